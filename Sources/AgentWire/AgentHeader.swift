/// HTTP header names of the ZStack agent protocol, exactly as the management node spells them.
public enum AgentHeader {
    /// Correlates an async request with its callback (32 hex chars from the MN).
    public static let taskUUID = "taskuuid"
    /// Where the agent POSTs the reply of an async command.
    public static let callbackURL = "callbackurl"
    /// Selects the MN handler of an agent-initiated event on the send-command channel.
    public static let commandPath = "commandpath"
    /// Set on a callback only when the handler raised; the MN never reads it.
    public static let error = "error"
    /// The resource (host) uuid the MN adds to KVM calls; agents ignore it.
    public static let resourceUUID = "X-Resource-UUID"
}
