import AgentCommandLine
import AgentServer
import AgentWire
import ArgumentParser
import Logging
import SftpBackupStorageAgent

@main
struct SftpBackupStorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zstack-sftpbackupstorage",
        abstract: "ZStack sftp backup-storage agent: stores and downloads images for the management node.")

    @OptionGroup var server: ServerOptions

    @Option(help: ArgumentHelp(
        "A directory the management node's connect may name as the storage path (repeatable).",
        discussion: "Default: \(SftpBackupStorageConfiguration.defaultStorageRoots.joined(separator: ", ")). / and system directories are refused."))
    var storageRoot: [String] = []

    @Option(help: "Storage directory to serve until the management node's connect names one (inside a --storage-root).")
    var storagePath: String?

    @Option(help: "A directory file:// image URLs may read from (repeatable; default: none, file:// refused).")
    var importDir: [String] = []

    @Option(help: "Private key returned by sshkey and used for sftp:// downloads without a password.")
    var privateKey = SftpBackupStorageConfiguration.defaultPrivateKeyPath

    @Option(help: "File remembering the host keys of sftp:// download servers (trusted on first use, then required).")
    var knownHosts = SftpBackupStorageConfiguration.defaultKnownHostsPath

    @Option(help: "Largest image a download may write, in bytes (free space permitting).")
    var maxImageBytes: Int64 = SftpBackupStorageConfiguration().maxImageBytes

    func validate() throws {
        if let bad = (storageRoot + importDir + [storagePath].compactMap { $0 }).first(where: { !$0.hasPrefix("/") }) {
            throw ValidationError("\(bad) is not an absolute path")
        }
    }

    func run() async throws {
        server.bootstrapLogging()
        let logger = Logger(label: "zstack.sftpbackupstorage")
        let agent = try buildSftpBackupStorageAgent(
            SftpBackupStorageConfiguration(
                server: try server.serverConfiguration(defaultPort: SftpBackupStorage.defaultPort),
                storageRoots: storageRoot.isEmpty ? SftpBackupStorageConfiguration.defaultStorageRoots : storageRoot,
                storageRoot: storagePath,
                importDirectories: importDir,
                privateKeyPath: privateKey,
                knownHostsPath: knownHosts,
                maxImageBytes: maxImageBytes),
            logger: logger)
        try await agent.run { port in
            logger.info("listening", metadata: ["port": "\(port)"])
        }
    }
}
