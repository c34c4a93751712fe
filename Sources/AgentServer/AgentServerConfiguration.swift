/// How an agent's command server listens and behaves. Each agent's `Configuration` resolves flags, the
/// environment and its defaults file into one of these.
public struct AgentServerConfiguration: Sendable {
    /// Address to bind; ZStack's agents bind every interface.
    public var listenAddress: String
    /// TCP port; 0 picks a free one (tests), reported through `AgentServer.run(onListening:)`.
    public var port: Int
    /// Largest request body accepted; larger ones get 413 before the handler runs.
    public var maxBodyBytes: Int
    /// Longest a handler may run before its caller gets a timeout failure (per-route timeouts override).
    public var commandTimeout: Duration
    /// How long an async reply is retried while the callback receiver cannot be reached (ZStack: 60 s).
    public var callbackRetryWindow: Duration
    /// Pause between two callback attempts.
    public var callbackRetryInterval: Duration
    /// On SIGTERM, how long in-flight async commands may run (and deliver their callbacks) before they are
    /// cancelled.
    public var shutdownDrainTimeout: Duration

    public init(
        listenAddress: String = "0.0.0.0",
        port: Int,
        maxBodyBytes: Int = 64 << 20,
        commandTimeout: Duration = .seconds(3600),
        callbackRetryWindow: Duration = .seconds(60),
        callbackRetryInterval: Duration = .seconds(1),
        shutdownDrainTimeout: Duration = .seconds(30)
    ) {
        self.listenAddress = listenAddress
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.commandTimeout = commandTimeout
        self.callbackRetryWindow = callbackRetryWindow
        self.callbackRetryInterval = callbackRetryInterval
        self.shutdownDrainTimeout = shutdownDrainTimeout
    }
}
