import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the sftp backup-storage agent needs to start. The executable fills it from flags; tests build
/// it directly.
public struct SftpBackupStorageConfiguration: Sendable {
    public var server: AgentServerConfiguration
    /// The directories `connect` may name as the storage path (the MN's backup-storage URL). They come from
    /// the configuration only: a `connect {"storagePath":"/"}` must not re-root the agent onto the host.
    public var storageRoots: [String]
    public static let defaultStorageRoots = ["/zstack_bs", "/home/sftpBackupStorage", "/var/lib/zstack"]
    /// The storage root used until the MN's `connect` names one (manual use, tests); nil: none until then.
    /// It must lie inside `storageRoots`.
    public var storageRoot: String?
    /// Directories `file://` downloads may read from; empty refuses every `file://` URL (otherwise any
    /// host file, `/dev/sda` included, could be copied into the storage and downloaded from it).
    public var importDirectories: [String]
    /// The private key `sshkey` returns and `sftp://` downloads without a password use
    /// (the Python agent's `~/.ssh/id_rsa.sftp`).
    public var privateKeyPath: String
    /// Where host keys of `sftp://` download servers are remembered (trusted on first use, then pinned).
    public var knownHostsPath: String
    public static let defaultKnownHostsPath = "/var/lib/zstack/sftpbackupstorage/known_hosts"
    /// Largest image a download may write (free space permitting); 2 TiB unless configured.
    public var maxImageBytes: Int64
    /// Used when a download command carries no `timeout`.
    public var defaultDownloadTimeout: Duration

    public init(
        server: AgentServerConfiguration = .init(port: SftpBackupStorage.defaultPort),
        storageRoots: [String] = Self.defaultStorageRoots,
        storageRoot: String? = nil,
        importDirectories: [String] = [],
        privateKeyPath: String = Self.defaultPrivateKeyPath,
        knownHostsPath: String = Self.defaultKnownHostsPath,
        maxImageBytes: Int64 = 2 << 40,
        defaultDownloadTimeout: Duration = .seconds(7200)
    ) {
        self.server = server
        self.storageRoots = storageRoots
        self.storageRoot = storageRoot
        self.importDirectories = importDirectories
        self.privateKeyPath = privateKeyPath
        self.knownHostsPath = knownHostsPath
        self.maxImageBytes = maxImageBytes
        self.defaultDownloadTimeout = defaultDownloadTimeout
    }

    public static var defaultPrivateKeyPath: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        return home + "/.ssh/id_rsa.sftp"
    }
}
