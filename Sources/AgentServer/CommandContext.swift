import Logging

/// What a handler knows about the request it serves besides the command itself.
public struct CommandContext: Sendable {
    /// The registered path (without trailing slash).
    public let path: String
    /// The MN's task uuid for async commands; nil for sync ones.
    public let taskUUID: String?
    /// Pushes agent-initiated events to the MN.
    public let events: EventPusher
    private let agentLogger: Logger

    init(path: String, taskUUID: String?, logger: Logger, events: EventPusher) {
        self.path = path
        self.taskUUID = taskUUID
        self.events = events
        self.agentLogger = logger
    }

    /// Carries `path` and `task_uuid` metadata. Made when asked for: setting metadata on a logger makes its
    /// handler render its metadata again, a cost most commands, which never log, need not pay.
    public var logger: Logger {
        var logger = agentLogger
        logger[metadataKey: "path"] = .string(path)
        if let taskUUID { logger[metadataKey: "task_uuid"] = .string(taskUUID) }
        return logger
    }

    /// Logs with the same `path` and `task_uuid` as `logger`, given with the line instead of set on a
    /// logger: what the runtime logs for every command, at no cost when `level` is not logged.
    func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
             _ metadata: @autoclosure () -> Logger.Metadata = [:]) {
        agentLogger.log(level: level, message(), metadata: {
            var all = metadata()
            all["path"] = .string(path)
            if let taskUUID { all["task_uuid"] = .string(taskUUID) }
            return all
        }())
    }
}
