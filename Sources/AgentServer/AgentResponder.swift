import AgentWire
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns HTTP requests into commands the ZStack way: POST only, sync replies in the body, async ones
/// acknowledged at once and delivered to `callbackurl`, every failure a JSON error (never a crash or a hang).
struct AgentResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let registry: CommandRegistry
    let runner: AsyncCommandRunner
    let events: EventPusher
    let metrics: AgentMetrics
    let configuration: AgentServerConfiguration
    let logger: Logger

    private static let taskUUIDField = HTTPField.Name(AgentHeader.taskUUID)!
    private static let callbackURLField = HTTPField.Name(AgentHeader.callbackURL)!

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = CommandRegistry.normalized(request.uri.path)
        if path == "/metrics" {
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        guard let route = registry.route(for: path) else {
            metrics.request(path: "unmatched", outcome: "not_found")
            return Self.error(.notFound, "no command is served at \(path)")
        }
        guard request.method == .post else {
            metrics.request(path: path, outcome: "bad_method")
            return Self.error(.methodNotAllowed, "\(path) accepts POST only, not \(request.method)")
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > configuration.maxBodyBytes {
            return tooLarge(path)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return tooLarge(path)
        }
        let taskUUID = request.headers[Self.taskUUIDField]
        var requestLogger = logger
        requestLogger[metadataKey: "path"] = "\(path)"
        if let taskUUID { requestLogger[metadataKey: "task_uuid"] = "\(taskUUID)" }
        requestLogger.debug("command", metadata: ["body": "\(SensitiveFields.masked(body.readableBytesView))"])
        let commandContext = CommandContext(path: path, taskUUID: taskUUID, logger: requestLogger, events: events)

        switch route.mode {
        case .sync:
            if let taskUUID {
                metrics.request(path: path, outcome: "rejected")
                // The Python agent answers 500 here: the MN registered this path as async by mistake.
                return Self.error(.internalServerError,
                                  "found async task uuid[\(taskUUID)] in header of sync command \(path)")
            }
            let outcome = await run(route, Array(body.readableBytesView), commandContext)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: outcome.body)))
        case .async:
            guard let taskUUID, !taskUUID.isEmpty else {
                metrics.request(path: path, outcome: "rejected")
                return Self.error(.badRequest, "taskuuid missing in request header of async command \(path)")
            }
            guard let callbackURL = request.headers[Self.callbackURLField], Self.isHTTPURL(callbackURL) else {
                metrics.request(path: path, outcome: "rejected")
                return Self.error(.badRequest, "callbackurl header missing or not an http(s) URL for \(path)")
            }
            let bytes = Array(body.readableBytesView)
            let job = AsyncCommandRunner.Job(taskUUID: taskUUID, callbackURL: callbackURL) {
                await run(route, bytes, commandContext).body
            }
            switch runner.submit(job) {
            case .accepted:
                return Response(status: .ok)
            case .duplicate:
                metrics.request(path: path, outcome: "duplicate")
                requestLogger.info("ignored duplicated task")
                return Response(status: .ok)
            case .stopping:
                metrics.request(path: path, outcome: "rejected")
                return Self.error(.serviceUnavailable, "the agent is stopping")
            }
        }
    }

    /// Runs a route under its deadline and counts the outcome.
    private func run(_ route: CommandRegistry.Route, _ body: [UInt8], _ context: CommandContext) async -> CommandRegistry.Outcome {
        let timeout = route.timeout ?? configuration.commandTimeout
        let started = ContinuousClock.now
        let outcome = await withDeadline(timeout) {
            await route.run(body, context)
        } onTimeout: {
            CommandRegistry.failure(CommandTimeoutError(path: context.path, timeout: timeout), context: context)
        }
        metrics.request(path: context.path, outcome: outcome.succeeded ? "success" : "failure")
        context.logger.info("command done", metadata: [
            "success": "\(outcome.succeeded)", "duration": "\(ContinuousClock.now - started)",
        ])
        return outcome
    }

    private func tooLarge(_ path: String) -> Response {
        metrics.request(path: path, outcome: "too_large")
        return Self.error(.contentTooLarge, "request body larger than \(configuration.maxBodyBytes) bytes")
    }

    private static func isHTTPURL(_ text: String) -> Bool {
        (text.hasPrefix("http://") || text.hasPrefix("https://")) && !text.contains(where: \.isWhitespace)
    }

    private static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = CommandRegistry.failure(message).body
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
