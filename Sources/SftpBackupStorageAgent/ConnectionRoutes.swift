import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The MN's handshake with the agent (echo, connect, ping) and the legacy `sshkey`.
struct ConnectionRoutes: CommandRoutes {
    let state: BackupStorageState
    let privateKeyPath: String

    func register(in registry: inout CommandRegistry) {
        registry.echo(SftpBackupStorage.Path.echo)
        registry.sync(SftpBackupStorage.Path.connect, connect)
        registry.async(SftpBackupStorage.Path.ping, ping)
        registry.async(SftpBackupStorage.Path.sshKey, sshKey)
    }

    private func connect(_ command: SftpBackupStorage.ConnectCmd, _ context: CommandContext) async throws -> SftpBackupStorage.AgentResponse {
        try context.events.setURL(command.sendCommandUrl)
        let root = try StorageRoot.prepare(command.storagePath, permitted: state.permitted)
        state.connected(uuid: command.uuid, root: root)
        return root.withCapacity(SftpBackupStorage.AgentResponse())
    }

    private func ping(_ command: SftpBackupStorage.PingCmd, _ context: CommandContext) async throws -> SftpBackupStorage.PingResponse {
        var reply = SftpBackupStorage.PingResponse()
        reply.uuid = state.snapshot.uuid
        return state.withCapacity(reply)
    }

    private func sshKey(_ command: EmptyCommand, _ context: CommandContext) async throws -> SftpBackupStorage.GetSshKeyResponse {
        guard let key = FileManager.default.contents(atPath: privateKeyPath) else {
            throw SftpBackupStorageError("cannot find the private key of the sftp backup storage at \(privateKeyPath)")
        }
        var reply = SftpBackupStorage.GetSshKeyResponse()
        reply.sshKey = String(decoding: key, as: UTF8.self)
        return state.withCapacity(reply)
    }
}
