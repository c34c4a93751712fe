import ArgumentParser
import Deployer
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API and upgrade hosts by itself whenever the packages, playbooks or extensions change.")
    @OptionGroup var options: DeployOptions
    @Option(help: "Address to listen on.") var listen = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8940
    @Option(help: "Seconds between looks at the package directory.") var watchInterval = 2
    @Flag(help: "Do not upgrade by itself; serve the API only.") var noAutoUpgrade = false
    @Option(help: ArgumentHelp(
        "A further name the Host header of API requests may hold, with or without a port (repeatable); "
            + "the listen address, localhost, 127.0.0.1 and [::1] always may.", valueName: "name"))
    var allowedHost: [String] = []

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "zstack-deploy")
        let deployer = try await options.deployer()
        let token = try deployer.apiToken()
        let access = try APIAccess(token: token, listenAddress: listen, allowedHosts: allowedHost)
        let printer = ProgressPrinter()
        let app = Application(
            router: try DeployAPI(deployer: deployer, access: access).router(),
            configuration: .init(address: .hostname(listen, port: port), serverName: "zstack-deploy"),
            onServerRunning: { channel in
                logger.info(
                    "zstack-deploy API on http://\(listen):\(channel.localAddress?.port ?? port); requests need 'Authorization: Bearer <token>', the token is in \(token.path)")
            },
            logger: logger)
        var services: [any Service] = [app]
        if !noAutoUpgrade {
            services.append(AutoUpgradeService(deployer: deployer, interval: .seconds(watchInterval), logger: logger,
                                               observer: printer.observer))
        }
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

struct APITokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-token",
        abstract: "Print the path of the file holding the API's bearer token (made if there is none yet).")
    @OptionGroup var options: DeployOptions
    @Flag(help: "Print the token itself instead of its path.") var value = false

    func run() async throws {
        // Through the deployer: the token is the one the instances of its store share.
        let token = try await options.deployer().apiToken()
        print(value ? token.text : token.path)
    }
}
