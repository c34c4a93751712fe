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

    @Option(help: "Storage directory to serve until the management node's connect names one.")
    var storageRoot: String?

    @Option(help: "Private key returned by sshkey and used for sftp:// downloads without a password.")
    var privateKey = SftpBackupStorageConfiguration.defaultPrivateKeyPath

    func validate() throws {
        if let storageRoot, !storageRoot.hasPrefix("/") {
            throw ValidationError("--storage-root must be an absolute path")
        }
    }

    func run() async throws {
        server.bootstrapLogging()
        let logger = Logger(label: "zstack.sftpbackupstorage")
        let agent = try buildSftpBackupStorageAgent(
            SftpBackupStorageConfiguration(
                server: server.serverConfiguration(defaultPort: AgentPort.sftpBackupStorage),
                storageRoot: storageRoot,
                privateKeyPath: privateKey),
            logger: logger)
        try await agent.run { port in
            logger.info("listening", metadata: ["port": "\(port)"])
        }
    }
}
