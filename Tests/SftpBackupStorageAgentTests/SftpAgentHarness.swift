import AgentClient
import AgentServer
import TestSupport
import AgentWire
import Foundation
import Logging
import SftpBackupStorageAgent
import Testing

/// A sftp backup-storage agent served in-process on a free loopback port, with a private scratch directory
/// (`scratch/bs` is the storage path tests connect to; `scratch` also holds files outside it, and
/// `scratch/id_rsa.sftp` is the agent's private key path).
struct SftpAgentHarness: Sendable {
    let port: Int
    let scratch: String

    var client: AgentClient { AgentClient(host: "127.0.0.1", port: port) }
    var storagePath: String { scratch + "/bs" }

    /// Runs `body` against a fresh agent. The scratch directory outlives the agent only for `body`.
    /// The agent may be connected to `scratch/bs` only; `file://` reads from `importDirectory` (the whole
    /// scratch directory unless a test narrows it).
    static func with<T: Sendable>(
        scratch: String? = nil,
        importDirectory: String? = nil,
        maxImageBytes: Int64 = 1 << 40,
        _ body: @Sendable (SftpAgentHarness) async throws -> T
    ) async throws -> T {
        let scratch = try scratch ?? makeScratch()
        let server = try buildSftpBackupStorageAgent(
            SftpBackupStorageConfiguration(server: .test(), storageRoots: [scratch + "/bs"],
                                           importDirectories: [importDirectory ?? scratch],
                                           privateKeyPath: scratch + "/id_rsa.sftp", knownHostsPath: scratch + "/known_hosts",
                                           maxImageBytes: maxImageBytes),
            logger: Logger(label: "test.sftpbs"))
        return try await RunningAgent.with(server) { running in
            try await body(SftpAgentHarness(port: running.port, scratch: scratch))
        }
    }

    static func makeScratch() throws -> String {
        let path = NSTemporaryDirectory() + "sftpbs-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Connects the agent to `storagePath` with events going to `mn`.
    func connect(_ mn: ManagementNodeEndpoint, uuid: String = "bs-uuid-1") async throws -> SftpBackupStorage.AgentResponse {
        try await client.sync(SftpBackupStorage.Path.connect,
                              SftpBackupStorage.ConnectCmd(uuid: uuid, storagePath: storagePath, sendCommandUrl: mn.sendCommandURL),
                              as: SftpBackupStorage.AgentResponse.self)
    }

    func call<Reply: Decodable>(_ path: String, _ command: some Encodable, as reply: Reply.Type, via mn: ManagementNodeEndpoint) async throws -> Reply {
        try await client.async(path, command, as: reply, via: mn, timeout: .seconds(120))
    }

    /// Every file under `directory`, relative, hidden ones included.
    func files(under directory: String) -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }

    func removeScratch() {
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
