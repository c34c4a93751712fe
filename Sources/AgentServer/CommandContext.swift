import Logging

/// What a handler knows about the request it serves besides the command itself.
public struct CommandContext: Sendable {
    /// The registered path (without trailing slash).
    public let path: String
    /// The MN's task uuid for async commands; nil for sync ones.
    public let taskUUID: String?
    /// Carries `path` and `task_uuid` metadata.
    public let logger: Logger
    /// Pushes agent-initiated events to the MN.
    public let events: EventPusher
}
