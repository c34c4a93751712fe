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

    @Option(help: "Address to listen on.")
    var listen = "0.0.0.0"

    @Option(help: "TCP port to listen on.")
    var port = AgentPort.sftpBackupStorage

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Storage directory to serve until the management node's connect names one.")
    var storageRoot: String?

    @Option(help: "Private key returned by sshkey and used for sftp:// downloads without a password.")
    var privateKey = SftpBackupStorageConfiguration.defaultPrivateKeyPath

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        if let storageRoot, !storageRoot.hasPrefix("/") {
            throw ValidationError("--storage-root must be an absolute path")
        }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "zstack.sftpbackupstorage")
        let agent = try buildSftpBackupStorageAgent(
            SftpBackupStorageConfiguration(
                server: .init(listenAddress: listen, port: port),
                storageRoot: storageRoot,
                privateKeyPath: privateKey),
            logger: logger)
        try await agent.run { port in
            logger.info("listening", metadata: ["port": "\(port)"])
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
