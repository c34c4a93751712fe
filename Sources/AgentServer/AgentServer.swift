import AgentWire
import AsyncHTTPClient
import Hummingbird
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
    private let registry: CommandRegistry
    private let runner: AsyncCommandRunner
    private let logger: Logger
    private var companions: [any Service] = []

    /// - Parameters:
    ///   - routes: the agent's route collections; a path registered twice is a programming error.
    ///   - logger: the agent's logger; request loggers add `path` and `task_uuid`.
    public init(configuration: AgentServerConfiguration, routes: [any CommandRoutes], logger: Logger) {
        var registry = CommandRegistry()
        for collection in routes { registry.add(collection) }
        let client = HTTPClient.toManagementNode
        let metrics = AgentMetrics()
        self.configuration = configuration
        self.registry = registry
        self.metrics = metrics
        self.logger = logger
        self.events = EventPusher(client: client, logger: logger)
        self.runner = AsyncCommandRunner(
            sender: CallbackSender(client: client, retryWindow: configuration.callbackRetryWindow,
                                   retryInterval: configuration.callbackRetryInterval,
                                   metrics: metrics, logger: logger),
            drainTimeout: configuration.shutdownDrainTimeout, metrics: metrics, logger: logger)
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
        let responder = AgentResponder(registry: registry, runner: runner, events: events, metrics: metrics,
                                       configuration: configuration, logger: logger)
        return Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.listenAddress, port: configuration.port),
                                 serverName: nil),
            services: [runner] + companions,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
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
