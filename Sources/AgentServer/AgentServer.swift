import AgentWire
import AsyncHTTPClient
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The command server every agent runs: its routes, the async runner and callback delivery, event push,
/// metrics, and graceful shutdown on SIGTERM/SIGINT.
public struct AgentServer: Sendable {
    public let configuration: AgentServerConfiguration
    public let events: EventPusher
    public let metrics: AgentMetrics
    private let routes: [String: ServedRoute]
    private let runner: AsyncCommandRunner
    private let admission: CommandAdmission
    private let outbound: OutboundURLPolicy
    private let tls: TLSServerIdentity?
    /// Read once at start: what the process runs cannot change while it runs.
    private let version = AgentVersion.ofThisProcess()
    /// The MD5s of what runs, hashed once from when the server listens.
    private let manifest: ProcessManifest
    private let logger: Logger
    private var companions: [any Service] = []

    /// Every command path this server answers, sorted: what an agent offers the MN (the README's table of
    /// ZStack's KVM paths is checked against it).
    public var servedPaths: [String] { routes.keys.sorted() }

    /// - Parameters:
    ///   - routes: the agent's route collections; a path registered twice is a programming error.
    ///   - logger: the agent's logger; request loggers add `path` and `task_uuid`.
    /// - Throws: `AgentSecurityError` when the configured authentication cannot be set up (a TLS file
    ///   missing or unusable): the agent must not start with less protection than it was told to have.
    public init(configuration: AgentServerConfiguration, routes: [any CommandRoutes], logger: Logger) throws {
        var registry = CommandRegistry()
        for collection in routes { registry.add(collection) }
        let client: HTTPClient
        switch configuration.authentication {
        case .mutualTLS(let files):
            tls = try TLSServerIdentity(files)
            client = try HTTPClient.toManagementNode(identity: files)
        case .none, .token:
            tls = nil
            client = HTTPClient.toManagementNode
        }
        let metrics = AgentMetrics()
        metrics.authenticationMode(configuration.authentication.mode)
        self.configuration = configuration
        self.routes = ServedRoute.table(registry, metrics: metrics)
        self.metrics = metrics
        self.logger = logger
        self.manifest = ProcessManifest(logger: logger)
        self.admission = CommandAdmission(maxSync: configuration.maxConcurrentSyncCommands,
                                          maxAsync: configuration.maxConcurrentAsyncCommands,
                                          maxBytes: configuration.maxBufferedBodyBytes)
        self.outbound = OutboundURLPolicy(allowedNetworks: configuration.callbackTo)
        self.events = EventPusher(client: client, policy: outbound, logger: logger)
        self.runner = AsyncCommandRunner(
            sender: CallbackSender(client: client, retryWindow: configuration.callbackRetryWindow,
                                   retryInterval: configuration.callbackRetryInterval,
                                   metrics: metrics, logger: logger),
            admission: admission, drainTimeout: configuration.shutdownDrainTimeout, logger: logger)
    }

    /// Adds long-running work of the agent (e.g. a libvirt event watcher) that runs in the server's service
    /// group: started with it, told to shut down gracefully with it.
    public mutating func addCompanion(_ service: any Service) {
        companions.append(service)
    }

    /// The HTTP application plus the async runner and companions, as one service for a `ServiceGroup`. On
    /// graceful shutdown the listener closes first, then in-flight async commands finish and call back.
    ///
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public func service(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let responder = AgentResponder(routes: routes, runner: runner, events: events, metrics: metrics,
                                       admission: admission, outbound: outbound, configuration: configuration,
                                       version: version, manifest: manifest, logger: logger)
        let (allowFrom, tls, metrics, idleTimeout) = (configuration.allowFrom, tls, metrics, configuration.idleTimeout)
        let server = HTTPServerBuilder { responder in
            AgentChildChannel(
                base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: TimeAmount(idleTimeout))),
                allowFrom: allowFrom, tls: tls, metrics: metrics)
        }
        return Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(configuration.listenAddress, port: configuration.port),
                                 serverName: nil,
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            services: [runner, IdleMemoryReturn(admission: admission, metrics: metrics, interval: .seconds(1))] + companions,
            onServerRunning: { [logger, configuration, manifest] channel in
                Self.logSecurity(configuration, logger: logger)
                manifest.startHashing()
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: logger)
    }

    /// One line at start saying how the agent is protected; a warning when nothing but the network is.
    private static func logSecurity(_ configuration: AgentServerConfiguration, logger: Logger) {
        let metadata: Logger.Metadata = [
            "auth": "\(configuration.authentication.mode)",
            "allow_from": "\(configuration.allowFrom.isEmpty ? "any" : configuration.allowFrom.map(\.description).joined(separator: ","))",
        ]
        if configuration.authentication == .none {
            let limit = configuration.allowFrom.isEmpty ? "no --allow-from is set either" : "only --allow-from limits who"
            logger.warning("no authentication (--auth none): any peer that can reach this port can command the agent; \(limit)",
                           metadata: metadata)
        } else {
            logger.info("authentication enforced", metadata: metadata)
        }
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [service(onListening: onListening)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
