// `make bench`: the KVM agent against libvirt's test driver, each figure as a ratio to the same work done
// directly through libvirt in the same run (the floor the agent adds HTTP, JSON and callbacks to).
import AgentClient
import AgentServer
import AgentWire
import BenchSupport
import Foundation
import KVMAgent
import Libvirt
import Logging
import ServiceLifecycle

let domainCount = environmentInteger("BENCH_DOMAINS", default: 5_000)
let syncRounds = environmentInteger("BENCH_SYNC_ROUNDS", default: 20)
let startDestroyRounds = environmentInteger("BENCH_START_ROUNDS", default: 300)

/// A `test:///` host file with `count` running domains.
func nodeFile(in directory: URL, count: Int) throws -> String {
    var xml = "<node><cpu><mhz>2400</mhz><model>x86_64</model><active>16</active><nodes>1</nodes>"
        + "<sockets>2</sockets><cores>8</cores><threads>1</threads></cpu><memory>67108864</memory>\n"
    for index in 0..<count {
        xml += "<domain type='test'><name>bench-\(index)</name><memory unit='KiB'>65536</memory>"
            + "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>\n"
    }
    xml += "</node>\n"
    let path = directory.appendingPathComponent("node.xml")
    try Data(xml.utf8).write(to: path)
    return "test://\(path.path)"
}

/// Serves the agent on `uri` with a local MN endpoint while `body` runs.
func withAgent<T: Sendable>(uri: String, stateDirectory: String,
                            _ body: @Sendable (AgentClient, ManagementNodeEndpoint) async throws -> T) async throws -> T {
    let logger = { var logger = Logger(label: "bench"); logger.logLevel = .error; return logger }()
    let server = try await buildKVMAgent(
        KVMAgentConfiguration(server: .init(listenAddress: "127.0.0.1", port: 0), libvirtURI: uri,
                              stateDirectory: stateDirectory, storageRoots: [stateDirectory]), logger: logger)
    return try await ManagementNodeEndpoint.run(logger: logger) { mn in
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: .init(services: [server.service { sink.yield($0) }], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            guard let port = await ports.first(where: { _ in true }) else { fatalError("agent did not start") }
            let result = try await body(AgentClient(host: "127.0.0.1", port: port), mn)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kvmagent-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

// 1. /vm/vmsync with many domains.
let uri = try nodeFile(in: directory, count: domainCount)
let direct = try await LibvirtConnection.open(uri: uri)
let directSync = try await median(syncRounds) {
    let domains = try await direct.allDomains()
    precondition(domains.count == domainCount)
}
let agentSync = try await withAgent(uri: uri, stateDirectory: directory.path) { client, mn in
    try await median(syncRounds) {
        let reply = try await client.async("/vm/vmsync", EmptyCommand(), as: KVM.VmSyncResponse.self, via: mn)
        precondition(reply.states?.count == domainCount, reply.error ?? "wrong count")
    }
}
await direct.close()
progress("vmsync done")

// 2. start + destroy throughput, one VM at a time.
let root = directory.appendingPathComponent("root.qcow2").path
_ = FileManager.default.createFile(atPath: root, contents: Data())
func startCommand(_ index: Int) -> KVM.StartVmCmd {
    var command = KVM.StartVmCmd()
    command.vmInstanceUuid = String(format: "%032x", index)
    command.vmName = "bench \(index)"
    command.memory = 256 << 20
    command.cpuNum = 1
    var volume = KVM.VolumeTO()
    volume.installPath = root
    volume.useVirtio = true
    volume.volumeUuid = "root-\(index)"
    command.rootVolume = volume
    return command
}
let emptyURI = try nodeFile(in: directory, count: 0)
let builder = DomainXMLBuilder(domainType: "test")
let libvirt = try await LibvirtConnection.open(uri: emptyURI)
let directStart = ContinuousClock.now
for index in 0..<startDestroyRounds {
    let domain = try await libvirt.defineDomain(xml: try builder.build(startCommand(index)))
    try await domain.start()
    try await domain.destroy()
    try await domain.undefine()
    domain.close()
}
let directRate = Double(startDestroyRounds) / (ContinuousClock.now - directStart).seconds
await libvirt.close()
let agentRate = try await withAgent(uri: emptyURI, stateDirectory: directory.path) { client, mn in
    let start = ContinuousClock.now
    for index in 0..<startDestroyRounds {
        let started = try await client.async("/vm/start", startCommand(index), as: KVM.StartVmResponse.self, via: mn)
        precondition(started.success, started.error ?? "")
        var destroy = KVM.DestroyVmCmd()
        destroy.uuid = startCommand(index).vmInstanceUuid
        let destroyed = try await client.async("/vm/destroy", destroy, as: EmptyReply.self, via: mn)
        precondition(destroyed.success, destroyed.error ?? "")
    }
    return Double(startDestroyRounds) / (ContinuousClock.now - start).seconds
}

var vmsync = MarkdownTable("", "median")
vmsync.row("agent `/vm/vmsync` (HTTP + JSON + callback)", fixed(agentSync.milliseconds) + " ms")
vmsync.row("direct libvirt listing", fixed(directSync.milliseconds) + " ms")
vmsync.row("ratio agent / direct", fixed(agentSync.milliseconds / directSync.milliseconds, 2))
var lifecycle = MarkdownTable("", "VMs/s")
lifecycle.row("agent", fixed(agentRate, 0))
lifecycle.row("direct libvirt", fixed(directRate, 0))
lifecycle.row("ratio agent / direct", fixed(agentRate / directRate, 2))
print("""
## KVM agent on libvirt's test driver

Step `kvm_libvirt` (`KVMAgentBenchmark`; `BENCH_DOMAINS`, `BENCH_SYNC_ROUNDS`, `BENCH_START_ROUNDS` set the
sizes). The floor each figure is compared with is the same work done directly through the `Libvirt` module.

### `/vm/vmsync` with \(domainCount) domains

The agent on a `test:///` node file holding \(domainCount) running domains, called as the MN calls it (async:
POST, 200, reply POSTed to a local callback receiver, decoded), against one `virConnectGetAllDomainStats`
listing on a second connection to an identical node file. Median of \(syncRounds) rounds after a warm-up.

\(vmsync.text)

### start + destroy, one VM at a time

\(startDestroyRounds) VMs. Agent: `/vm/start` (domain XML from a `StartVmCmd`, file checks, define, start) then
`/vm/destroy` (destroy, undefine), each an async command with its callback. Floor: the same
define/create/destroy/undefine through the `Libvirt` module.

\(lifecycle.text)
""")
