import AgentServer
import AgentWire
import Foundation

/// The MN's handshake with the agent (echo, connect, ping) and the legacy `sshkey`.
struct ConnectionRoutes: CommandRoutes {
    let state: BackupStorageState
    let privateKeyPath: String

    func register(in registry: inout CommandRegistry) {
        registry.syncRaw(SftpBackupStoragePath.echo) { _, _ in [] }
        registry.sync(SftpBackupStoragePath.connect, connect)
        registry.async(SftpBackupStoragePath.ping, ping)
        registry.async(SftpBackupStoragePath.sshKey, sshKey)
    }

    private func connect(_ command: SftpConnectCmd, _ context: CommandContext) async throws -> SftpAgentResponse {
        try context.events.setURL(command.sendCommandUrl)
        let root = try StorageRoot.prepare(command.storagePath, permitted: state.permitted)
        state.connected(uuid: command.uuid, root: root)
        return root.withCapacity(SftpAgentResponse())
    }

    private func ping(_ command: SftpPingCmd, _ context: CommandContext) async throws -> SftpPingResponse {
        var reply = SftpPingResponse()
        reply.uuid = state.snapshot.uuid
        return state.withCapacity(reply)
    }

    private func sshKey(_ command: EmptyCommand, _ context: CommandContext) async throws -> SftpGetSshKeyResponse {
        guard let key = FileManager.default.contents(atPath: privateKeyPath) else {
            throw SftpBackupStorageError("cannot find the private key of the sftp backup storage at \(privateKeyPath)")
        }
        var reply = SftpGetSshKeyResponse()
        reply.sshKey = String(decoding: key, as: UTF8.self)
        return state.withCapacity(reply)
    }
}
