// `make bench`: the KVM agent against libvirt's test driver, each figure as a ratio to the same work done
// directly through libvirt in the same run (the floor the agent adds HTTP, JSON and callbacks to).
import AgentClient
import AgentServer
import AgentWire
import Foundation
import KVMAgent
import Libvirt
import Logging
import ServiceLifecycle

let domainCount = Int(ProcessInfo.processInfo.environment["BENCH_DOMAINS"] ?? "") ?? 5_000
let syncRounds = Int(ProcessInfo.processInfo.environment["BENCH_SYNC_ROUNDS"] ?? "") ?? 20
let startDestroyRounds = Int(ProcessInfo.processInfo.environment["BENCH_START_ROUNDS"] ?? "") ?? 300

/// Median wall time of `rounds` runs of `body`, after one warm-up run.
func median(_ rounds: Int, _ body: () async throws -> Void) async throws -> Duration {
    try await body()
    var times: [Duration] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        try await body()
        times.append(ContinuousClock.now - start)
    }
    return times.sorted()[times.count / 2]
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

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
print(String(format: "vmsync, %d domains: agent %.1f ms, direct libvirt %.1f ms (median of %d), ratio %.2f",
             domainCount, milliseconds(agentSync), milliseconds(directSync), syncRounds,
             milliseconds(agentSync) / milliseconds(directSync)))

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
let directRate = Double(startDestroyRounds) / (milliseconds(ContinuousClock.now - directStart) / 1e3)
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
    return Double(startDestroyRounds) / (milliseconds(ContinuousClock.now - start) / 1e3)
}
print(String(format: "start+destroy, %d VMs one at a time: agent %.0f/s, direct libvirt %.0f/s, ratio %.2f",
             startDestroyRounds, agentRate, directRate, agentRate / directRate))
