import AgentWire
import Logging
import NIOCore

/// The table of commands an agent serves: each path registered once, as sync or async.
public struct CommandRegistry: Sendable {
    public enum Mode: String, Sendable {
        case sync, async
    }

    /// What running a command produced: the body to send (as the response or the callback, retries
    /// included, without another copy) and whether it reports success.
    struct Outcome: Sendable {
        var body: ByteBuffer
        var succeeded: Bool
    }

    /// How long a command may run before it is answered with a timeout.
    enum TimeLimit: Sendable, Equatable {
        /// The agent's `--command-timeout`.
        case agentDefault
        case after(Duration)
        /// For an answer made in memory (the echo): nothing can overrun, so the command runs in the
        /// request's own task, without the task of its own and the two executor hops a limit costs.
        case unneeded

        /// What a registration's `timeout` means: the agent's default when it gives none.
        init(_ timeout: Duration?) {
            self = timeout.map { .after($0) } ?? .agentDefault
        }

        /// The limit `withTimeLimit` gets; nil runs the command in the caller's task, without one.
        func duration(agentDefault: Duration) -> Duration? {
            switch self {
            case .agentDefault: agentDefault
            case .after(let limit): limit
            case .unneeded: nil
            }
        }
    }

    struct Route: Sendable {
        let mode: Mode
        let timeLimit: TimeLimit
        /// Where "command done" goes: the echo is the MN's liveness probe, called in a loop while it waits
        /// for an agent, so its lines stay at debug; every other command gets its line at info.
        let completionLevel: Logger.Level
        /// Never throws: every failure is already folded into an in-band failure body. The body is the
        /// request's, as read from the connection: decoding is its only copy.
        let run: @Sendable (ByteBuffer, CommandContext) async -> Outcome
    }

    private(set) var routes: [String: Route] = [:]

    public init() {}

    /// Registers a sync command: the JSON reply is the HTTP body.
    public mutating func sync<Command: Decodable & Sendable, Reply: AgentReply>(
        _ path: String,
        timeout: Duration? = nil,
        _ handler: @escaping @Sendable (Command, CommandContext) async throws -> Reply
    ) {
        add(path, Route(mode: .sync, timeLimit: TimeLimit(timeout), completionLevel: .info, run: Self.typed(handler)))
    }

    /// Registers an async command: acknowledged at once, its reply POSTed to the `callbackurl` later.
    public mutating func async<Command: Decodable & Sendable, Reply: AgentReply>(
        _ path: String,
        timeout: Duration? = nil,
        _ handler: @escaping @Sendable (Command, CommandContext) async throws -> Reply
    ) {
        add(path, Route(mode: .async, timeLimit: TimeLimit(timeout), completionLevel: .info, run: Self.typed(handler)))
    }

    /// Registers ZStack's echo, the MN's liveness probe: whatever the body, an empty 200, as the Python
    /// agents answer it (`return ''`).
    public mutating func echo(_ path: String) {
        add(path, Route(mode: .sync, timeLimit: .unneeded, completionLevel: .debug) { _, _ in
            Outcome(body: ByteBuffer(), succeeded: true)
        })
    }

    /// Adds every route of a collection.
    public mutating func add(_ collection: some CommandRoutes) {
        collection.register(in: &self)
    }

    /// Both `/path` and `/path/` name the same command: the MN sends some paths with a trailing slash.
    /// Every request's path passes here, and almost none ends in a slash: those are returned as they are.
    static func normalized(_ path: String) -> String {
        let slash = UInt8(ascii: "/")
        guard path.utf8.count > 1, path.utf8.last == slash else { return path }
        var trimmed = Substring(path)
        while trimmed.utf8.count > 1, trimmed.utf8.last == slash { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    private mutating func add(_ path: String, _ route: Route) {
        let key = Self.normalized(path)
        precondition(routes[key] == nil, "\(key) registered twice")
        routes[key] = route
    }

    private static func typed<Command: Decodable & Sendable, Reply: AgentReply>(
        _ handler: @escaping @Sendable (Command, CommandContext) async throws -> Reply
    ) -> @Sendable (ByteBuffer, CommandContext) async -> Outcome {
        { body, context in
            do {
                let command = try WireJSON.decode(Command.self, from: body.readableBytesView)
                let reply = try await handler(command, context)
                return Outcome(body: ByteBuffer(bytes: try WireJSON.encode(reply)), succeeded: reply.success)
            } catch {
                return failure(error, context: context)
            }
        }
    }

    static func failure(_ error: any Error, context: CommandContext) -> Outcome {
        // Errors often quote request fields: bounded and with control characters escaped, so a hostile
        // field can neither flood the log nor forge lines in it.
        let message = LogSafe.text(describe(error, path: context.path))
        context.log(.warning, "command failed", ["error": "\(message)"])
        return failure(message)
    }

    static func failure(_ message: String) -> Outcome {
        // Encoding a two-field struct cannot fail; the fallback keeps the reply valid JSON regardless.
        let body = (try? WireJSON.encode(EmptyReply.failure(message))).map { ByteBuffer(bytes: $0) }
            ?? ByteBuffer(string: #"{"success":false,"error":"internal error"}"#)
        return Outcome(body: body, succeeded: false)
    }

    static func describe(_ error: any Error, path: String) -> String {
        switch error {
        case let error as WireDecodingError:
            "invalid command for \(path): \(error.message)"
        case is CancellationError:
            "\(path) was cancelled: the agent is shutting down"
        default:
            String(describing: error)
        }
    }
}
