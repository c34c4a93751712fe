/// The `{success, error}` envelope every agent reply carries.
///
/// ZStack's `AgentResponse` defaults `success` to true; a failure sets it to false with a message a
/// person can act on. Concrete replies add their own fields beside these two.
public protocol AgentReply: Codable, Sendable {
    var success: Bool { get set }
    var error: String? { get set }
}

/// A reply with no fields beyond the envelope (ZStack's bare `AgentResponse`).
public struct EmptyReply: AgentReply, Equatable {
    public var success: Bool
    public var error: String?

    public init(success: Bool = true, error: String? = nil) {
        self.success = success
        self.error = error
    }

    /// The in-band failure every handler error becomes.
    public static func failure(_ message: String) -> EmptyReply {
        EmptyReply(success: false, error: message)
    }
}

/// A command with no fields the agent reads (e.g. `HostCapacityCmd`, `VmSyncCmd`).
public struct EmptyCommand: Codable, Sendable, Equatable {
    public init() {}
}
