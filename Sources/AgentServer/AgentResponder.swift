import AgentWire
import HTTPTypes
import HostSystem
import Hummingbird
import Logging
import NIOCore

/// Turns HTTP requests into commands the ZStack way: POST only, sync replies in the body, async ones
/// acknowledged at once and delivered to `callbackurl`, every failure a JSON error (never a crash or a hang).
struct AgentResponder: HTTPResponder {
    typealias Context = AgentRequestContext

    let registry: CommandRegistry
    let runner: AsyncCommandRunner
    let events: EventPusher
    let metrics: AgentMetrics
    let admission: CommandAdmission
    let outbound: OutboundURLPolicy
    let configuration: AgentServerConfiguration
    let version: AgentVersion
    let manifest: ProcessManifest
    let logger: Logger

    private static let taskUUIDField = HTTPField.Name(AgentHeader.taskUUID)!
    private static let callbackURLField = HTTPField.Name(AgentHeader.callbackURL)!

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = CommandRegistry.normalized(request.uri.path)
        // In token mode every path needs the token, /metrics included: its labels name the commands served.
        if case .token(let token) = configuration.authentication,
           !token.accepts(authorization: request.headers[.authorization]) {
            metrics.request(path: "unauthenticated", outcome: "refused")
            logger.notice("request refused: no valid bearer token", metadata: [
                "path": "\(LogSafe.text(path, limit: 200))",
                "peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")",
            ])
            var response = Self.error(.unauthorized, request.headers[.authorization] == nil
                ? "this agent requires Authorization: Bearer <token>"
                : "the bearer token is not the one this agent was given")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        if path == "/metrics" {
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        if path == AgentVersion.path {
            return Self.json(version)
        }
        if path == AgentManifest.path {
            return Self.json(await manifest.current())
        }
        guard let route = registry.route(for: path) else {
            metrics.request(path: "unmatched", outcome: "not_found")
            return Self.error(.notFound, "no command is served at \(LogSafe.text(path, limit: 200))")
        }
        guard request.method == .post else {
            metrics.request(path: path, outcome: "bad_method")
            return Self.error(.methodNotAllowed, "\(path) accepts POST only, not \(request.method)")
        }
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > configuration.maxBodyBytes {
            return tooLarge(path)
        }
        // Admitted before the body is read, so bodies waiting to be read count against the bounds too; a
        // body without Content-Length reserves the most it may be.
        let ticket: CommandAdmission.Ticket
        switch admission.admit(route.mode, bytes: max(0, declared ?? configuration.maxBodyBytes)) {
        case .success(let admitted):
            ticket = admitted
        case .failure(let refusal):
            metrics.request(path: path, outcome: "busy")
            return Self.error(.serviceUnavailable, refusal.description)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            admission.release(ticket)
            return tooLarge(path)
        } catch {
            admission.release(ticket)
            throw error
        }
        let taskUUID = request.headers[Self.taskUUIDField]
        var requestLogger = logger
        requestLogger[metadataKey: "path"] = "\(path)"
        if let taskUUID { requestLogger[metadataKey: "task_uuid"] = "\(taskUUID)" }
        requestLogger.debug("command", metadata: ["body": "\(SensitiveFields.masked(body.readableBytesView))"])
        let commandContext = CommandContext(path: path, taskUUID: taskUUID, logger: requestLogger, events: events)

        switch route.mode {
        case .sync:
            defer { admission.release(ticket) }
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
            guard let taskUUID, !taskUUID.isEmpty, taskUUID.utf8.count <= 256 else {
                admission.release(ticket)
                metrics.request(path: path, outcome: "rejected")
                return Self.error(.badRequest, "taskuuid missing (or over 256 bytes) in request header of async command \(path)")
            }
            guard let callbackURL = request.headers[Self.callbackURLField] else {
                admission.release(ticket)
                metrics.request(path: path, outcome: "rejected")
                return Self.error(.badRequest, "callbackurl header missing for async command \(path)")
            }
            do {
                try outbound.check(callbackURL, field: "callbackurl")
            } catch {
                admission.release(ticket)
                metrics.request(path: path, outcome: "rejected")
                return Self.error(.badRequest, error.description)
            }
            let bytes = Array(body.readableBytesView)
            let job = AsyncCommandRunner.Job(taskUUID: taskUUID, callbackURL: callbackURL, ticket: ticket) {
                await run(route, bytes, commandContext).body
            }
            switch runner.submit(job) {
            case .accepted:
                return Response(status: .ok)
            case .duplicate:
                admission.release(ticket)
                metrics.request(path: path, outcome: "duplicate")
                requestLogger.info("ignored duplicated task")
                return Response(status: .ok)
            case .stopping:
                admission.release(ticket)
                metrics.request(path: path, outcome: "rejected")
                return Self.error(.serviceUnavailable, "the agent is stopping")
            }
        }
    }

    /// Runs a route under its deadline and counts the outcome.
    private func run(_ route: CommandRegistry.Route, _ body: [UInt8], _ context: CommandContext) async -> CommandRegistry.Outcome {
        let timeout = route.timeout ?? configuration.commandTimeout
        let started = ContinuousClock.now
        let outcome: CommandRegistry.Outcome
        do {
            outcome = try await withTimeLimit(timeout, onTimeout: { [path = context.path] in
                CommandTimeoutError(path: path, timeout: $0)
            }) { await route.run(body, context) }
        } catch {
            outcome = CommandRegistry.failure(error, context: context)
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

    /// A reply of strings and booleans, whose encoding cannot fail.
    private static func json(_ value: some Encodable) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: (try? WireJSON.encode(value)).map(Array.init) ?? [])))
    }

    private static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = CommandRegistry.failure(message).body
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
