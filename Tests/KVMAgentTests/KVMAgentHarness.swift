import AgentClient
import TestSupport
import AgentServer
import AgentWire
import Foundation
import KVMAgent
import Libvirt
import Logging
import ServiceLifecycle
import Testing

/// The KVM agent served on a free loopback port, driven by a local management-node endpoint that has
/// already sent `/host/connect`, plus a second libvirt connection for checking (or changing) the host
/// behind the agent's back.
struct KVMAgentHarness: Sendable {
    static let hostUuid = "7d0f6f3f1c5e4b8f9a0e2b6c3d4e5f60"

    let client: AgentClient
    let mn: ManagementNodeEndpoint
    let libvirt: LibvirtConnection
    let directory: URL
    /// nil when the harness was asked not to connect.
    let connectReply: KVM.ConnectResponse?

    /// Runs `body` with a connected agent on `uri`; everything is torn down afterwards.
    static func with<T: Sendable>(
        uri: String = "test:///default",
        iptablesCommand: [String] = ["false"],
        iptablesRules: [String]? = nil,
        _ body: @Sendable (KVMAgentHarness) async throws -> T
    ) async throws -> T {
        try await with(uri: uri, iptablesCommand: iptablesCommand, iptablesRules: iptablesRules, configure: { _, _ in }, body)
    }

    /// Runs `body` with an agent on `uri`, connected unless `connect` is false (for tests of what the MN
    /// sends before `/host/connect`); `configure` adjusts the configuration (whose state directory and
    /// storage root are the harness directory, passed along) before the agent is built. A separate
    /// overload rather than a defaulted parameter: a defaulted closure parameter would take the trailing
    /// `body` closure of every other call.
    static func with<T: Sendable>(
        uri: String = "test:///default",
        iptablesCommand: [String] = ["false"],
        iptablesRules: [String]? = nil,
        connect: Bool = true,
        configure: (inout KVMAgentConfiguration, URL) -> Void,
        _ body: @Sendable (KVMAgentHarness) async throws -> T
    ) async throws -> T {
        let scratch = try TemporaryDirectory("kvmagent")
        defer { scratch.remove() }
        let directory = scratch.url
        var configuration = KVMAgentConfiguration(
            server: .test(),
            libvirtURI: uri, stateDirectory: directory.appendingPathComponent("state").path,
            iptablesCommand: iptablesCommand, storageRoots: [directory.path])
        configuration.qemuRunDirectory = directory.appendingPathComponent("qemu-run").path
        configure(&configuration, directory)
        let server = try await buildKVMAgent(configuration, logger: Logger(label: "test.kvmagent"))
        let libvirt = try await LibvirtConnection.open(uri: uri)
        do {
            let result = try await serve(server, libvirt, directory, connect ? iptablesRules ?? [] : nil, body)
            await libvirt.close()
            return result
        } catch {
            await libvirt.close()
            throw error
        }
    }

    /// `iptablesRules` nil: no connect.
    private static func serve<T: Sendable>(
        _ server: AgentServer, _ libvirt: LibvirtConnection, _ directory: URL, _ iptablesRules: [String]?,
        _ body: @Sendable (KVMAgentHarness) async throws -> T
    ) async throws -> T {
        try await ManagementNodeEndpoint.run { mn in
            try await RunningAgent.with(server) { agent in
                var reply: KVM.ConnectResponse?
                if let iptablesRules {
                    var connect = KVM.ConnectCmd(hostUuid: hostUuid, sendCommandUrl: mn.sendCommandURL, version: "5.2.0")
                    connect.iptablesRules = iptablesRules.isEmpty ? nil : iptablesRules
                    reply = try await agent.client.sync("/host/connect", connect, as: KVM.ConnectResponse.self)
                }
                return try await body(KVMAgentHarness(client: agent.client, mn: mn, libvirt: libvirt,
                                                      directory: directory, connectReply: reply))
            }
        }
    }

    /// Sends an async command the way the MN does and waits for its callback.
    func call<Reply: Decodable>(_ path: String, _ command: some Encodable, as reply: Reply.Type) async throws -> Reply {
        try await client.async(path, command, as: reply, via: mn, timeout: .seconds(60))
    }

    /// The ZStack 5.x `/vm/start` body (`StartVmFixtures.zstack5JSON`) with its volume and ISO paths pointing
    /// at files that exist here; `edit` changes the JSON text first (a recorded address, say).
    func zstack5Start(uuid: String, edit: (inout String) -> Void = { _ in }) throws -> JSONValue {
        var json = StartVmFixtures.zstack5JSON(uuid: uuid)
            .replacingOccurrences(of: "/zstack_ps/rootVolumes/acct-36c2/vol-8f1/8f1.qcow2", with: try file("root.qcow2"))
            .replacingOccurrences(of: "/zstack_ps/imagecache/iso/centos.iso", with: try file("centos.iso"))
            .replacingOccurrences(of: "/dev/vg0/data-1", with: try file("data-1.raw"))
        edit(&json)
        return try WireJSON.decode(JSONValue.self, from: Array(json.utf8))
    }

    /// `StartVmFixtures.minimal` with its root volume a file that exists here.
    func minimalStart(name: String = KVMAgentHarness.uniqueUUID()) throws -> KVM.StartVmCmd {
        var start = StartVmFixtures.minimal(name: name)
        start.rootVolume?.installPath = try file("root.qcow2")
        return start
    }

    /// An empty file in the harness directory, standing for a volume or ISO.
    func file(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        return path
    }

    /// The `/kvm/reportvmstate` events received so far for one VM.
    func stateReports(for vm: String) throws -> [String] {
        try mn.events.filter { $0.commandPath == "/kvm/reportvmstate" }
            .map { try $0.decode(KVM.ReportVmStateCmd.self) }
            .filter { $0.vmUuid == vm }
            .map { $0.vmState ?? "" }
    }

    /// Waits for the next `/kvm/reportvmstate` about `vm`, skipping reports about other VMs.
    func nextStateReport(for vm: String) async throws -> KVM.ReportVmStateCmd {
        while true {
            let report = try await mn.nextEvent("/kvm/reportvmstate", timeout: .seconds(30)).decode(KVM.ReportVmStateCmd.self)
            if report.vmUuid == vm { return report }
        }
    }

    static func uniqueUUID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
