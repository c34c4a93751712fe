/// How an agent's command server listens and behaves. Each agent's `Configuration` resolves flags, the
/// environment and its defaults file into one of these.
public struct AgentServerConfiguration: Sendable {
    /// Address to bind; ZStack's agents bind every interface.
    public var listenAddress: String
    /// TCP port; 0 picks a free one (tests), reported through `AgentServer.run(onListening:)`.
    public var port: Int
    /// Who may command the agent (see `AgentAuthentication`).
    public var authentication: AgentAuthentication
    /// Source networks whose connections are accepted; empty accepts any source.
    public var allowFrom: [SourceAddressRange]
    /// Networks that callback and event URLs (`callbackurl`, `sendCommandUrl`) may point into; empty allows
    /// any http(s) host. With it set, a URL must name an address literal inside one of them.
    public var callbackTo: [SourceAddressRange]
    /// Largest request body accepted; larger ones get 413 before the handler runs. ZStack's largest
    /// commands (a VM start with dozens of disks and NICs, a security-group refresh with thousands of rules)
    /// stay well under 8 MiB.
    public var maxBodyBytes: Int
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// A connection that sends no complete request head (or no body part while a body is being read) for
    /// this long is closed: half-open and slowly-typed connections cannot hold the agent.
    public var idleTimeout: Duration
    /// Sync commands running at once; beyond it the caller gets 503 with an in-band error at once.
    public var maxConcurrentSyncCommands: Int
    /// Async commands accepted and not yet answered; beyond it the caller gets 503 at once.
    public var maxConcurrentAsyncCommands: Int
    /// Bytes of request bodies held by running commands at once; beyond it new commands get 503.
    public var maxBufferedBodyBytes: Int
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
        authentication: AgentAuthentication = .none,
        allowFrom: [SourceAddressRange] = [],
        callbackTo: [SourceAddressRange] = [],
        maxBodyBytes: Int = 8 << 20,
        maxConnections: Int = 256,
        idleTimeout: Duration = .seconds(30),
        maxConcurrentSyncCommands: Int = 128,
        maxConcurrentAsyncCommands: Int = 512,
        maxBufferedBodyBytes: Int = 256 << 20,
        commandTimeout: Duration = .seconds(3600),
        callbackRetryWindow: Duration = .seconds(60),
        callbackRetryInterval: Duration = .seconds(1),
        shutdownDrainTimeout: Duration = .seconds(30)
    ) {
        self.listenAddress = listenAddress
        self.port = port
        self.authentication = authentication
        self.allowFrom = allowFrom
        self.callbackTo = callbackTo
        self.maxBodyBytes = maxBodyBytes
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.maxConcurrentSyncCommands = maxConcurrentSyncCommands
        self.maxConcurrentAsyncCommands = maxConcurrentAsyncCommands
        self.maxBufferedBodyBytes = maxBufferedBodyBytes
        self.commandTimeout = commandTimeout
        self.callbackRetryWindow = callbackRetryWindow
        self.callbackRetryInterval = callbackRetryInterval
        self.shutdownDrainTimeout = shutdownDrainTimeout
    }
}
