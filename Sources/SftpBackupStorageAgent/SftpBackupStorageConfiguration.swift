import AgentServer
import AgentWire
import Foundation

/// Everything the sftp backup-storage agent needs to start. The executable fills it from flags; tests build
/// it directly.
public struct SftpBackupStorageConfiguration: Sendable {
    public var server: AgentServerConfiguration
    /// The storage root used until the MN's `connect` names one (manual use, tests); nil: none until then.
    public var storageRoot: String?
    /// The private key `sshkey` returns and `sftp://` downloads without a password use
    /// (the Python agent's `~/.ssh/id_rsa.sftp`).
    public var privateKeyPath: String
    /// Used when a download command carries no `timeout`.
    public var defaultDownloadTimeout: Duration

    public init(
        server: AgentServerConfiguration = .init(port: AgentPort.sftpBackupStorage),
        storageRoot: String? = nil,
        privateKeyPath: String = Self.defaultPrivateKeyPath,
        defaultDownloadTimeout: Duration = .seconds(7200)
    ) {
        self.server = server
        self.storageRoot = storageRoot
        self.privateKeyPath = privateKeyPath
        self.defaultDownloadTimeout = defaultDownloadTimeout
    }

    public static var defaultPrivateKeyPath: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        return home + "/.ssh/id_rsa.sftp"
    }
}
