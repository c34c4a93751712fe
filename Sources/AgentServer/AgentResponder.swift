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

    let routes: [String: ServedRoute]
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
    /// Made once: a dictionary literal of fields costs its hashing and allocations on every reply.
    private static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = CommandRegistry.normalized(request.uri.path)
        // In token mode every path needs the token, /metrics included: its labels name the commands served.
        if case .token(let token) = configuration.authentication,
           !token.accepts(authorization: request.headers.value(of: .authorization)) {
            metrics.unauthenticatedRequests.count(.refused)
            logger.notice("request refused: no valid bearer token", metadata: [
                "path": "\(LogSafe.text(path, limit: 200))",
                "peer": "\(context.remoteAddress.map { "\($0)" } ?? "unknown")",
            ])
            var response = Self.error(.unauthorized, request.headers.value(of: .authorization) == nil
                ? "this agent requires Authorization: Bearer <token>"
                : "the bearer token is not the one this agent was given")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        if path == "/metrics" {
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render(inFlight: runner.inFlight, admitted: admission.current))))
        }
        if path == AgentVersion.path {
            return Self.json(version)
        }
        if path == AgentManifest.path {
            return Self.json(await manifest.current())
        }
        guard let served = routes[path] else {
            metrics.unmatchedRequests.count(.notFound)
            return Self.error(.notFound, "no command is served at \(LogSafe.text(path, limit: 200))")
        }
        let (route, requests) = (served.route, served.requests)
        guard request.method == .post else {
            requests.count(.badMethod)
            return Self.error(.methodNotAllowed, "\(path) accepts POST only, not \(request.method)")
        }
        let declared = request.headers.value(of: .contentLength).flatMap { Int($0) }
        if let declared, declared > configuration.maxBodyBytes {
            return tooLarge(requests)
        }
        // Admitted before the body is read, so bodies waiting to be read count against the bounds too; a
        // body without Content-Length reserves the most it may be.
        let ticket: CommandAdmission.Ticket
        switch admission.admit(route.mode, bytes: max(0, declared ?? configuration.maxBodyBytes)) {
        case .success(let admitted):
            ticket = admitted
        case .failure(let refusal):
            requests.count(.busy)
            return Self.error(.serviceUnavailable, refusal.description)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            admission.release(ticket)
            return tooLarge(requests)
        } catch {
            admission.release(ticket)
            throw error
        }
        let taskUUID = request.headers.value(of: Self.taskUUIDField)
        let commandContext = CommandContext(path: path, taskUUID: taskUUID, logger: logger, events: events)
        commandContext.log(.debug, "command", ["body": "\(SensitiveFields.masked(body.readableBytesView))"])

        switch route.mode {
        case .sync:
            defer { admission.release(ticket) }
            if let taskUUID {
                requests.count(.rejected)
                // The Python agent answers 500 here: the MN registered this path as async by mistake.
                return Self.error(.internalServerError,
                                  "found async task uuid[\(taskUUID)] in header of sync command \(path)")
            }
            let outcome = await run(served, body, commandContext)
            return Response(status: .ok, headers: Self.jsonHeaders, body: .init(byteBuffer: outcome.body))
        case .async:
            guard let taskUUID, !taskUUID.isEmpty, taskUUID.utf8.count <= 256 else {
                admission.release(ticket)
                requests.count(.rejected)
                return Self.error(.badRequest, "taskuuid missing (or over 256 bytes) in request header of async command \(path)")
            }
            guard let callbackURL = request.headers.value(of: Self.callbackURLField) else {
                admission.release(ticket)
                requests.count(.rejected)
                return Self.error(.badRequest, "callbackurl header missing for async command \(path)")
            }
            do {
                try outbound.check(callbackURL, field: "callbackurl")
            } catch {
                admission.release(ticket)
                requests.count(.rejected)
                return Self.error(.badRequest, error.description)
            }
            let job = AsyncCommandRunner.Job(taskUUID: taskUUID, callbackURL: callbackURL, ticket: ticket) {
                await run(served, body, commandContext).body
            }
            switch runner.submit(job) {
            case .accepted:
                return Response(status: .ok)
            case .duplicate:
                admission.release(ticket)
                requests.count(.duplicate)
                commandContext.log(.info, "ignored duplicated task")
                return Response(status: .ok)
            case .stopping:
                admission.release(ticket)
                requests.count(.rejected)
                return Self.error(.serviceUnavailable, "the agent is stopping")
            }
        }
    }

    /// Runs a route under its deadline and counts the outcome.
    private func run(_ served: ServedRoute, _ body: ByteBuffer, _ context: CommandContext) async -> CommandRegistry.Outcome {
        let route = served.route
        let timeout = route.timeLimit.duration(agentDefault: configuration.commandTimeout)
        let started = ContinuousClock.now
        let outcome: CommandRegistry.Outcome
        do {
            outcome = try await withTimeLimit(timeout, onTimeout: { [path = context.path] in
                CommandTimeoutError(path: path, timeout: $0)
            }) { await route.run(body, context) }
        } catch {
            outcome = CommandRegistry.failure(error, context: context)
        }
        served.requests.count(outcome.succeeded ? .success : .failure)
        context.log(route.completionLevel, "command done", [
            "success": "\(outcome.succeeded)", "duration": "\(ContinuousClock.now - started)",
        ])
        return outcome
    }

    private func tooLarge(_ requests: RequestCounters) -> Response {
        requests.count(.tooLarge)
        return Self.error(.contentTooLarge, "request body larger than \(configuration.maxBodyBytes) bytes")
    }

    /// A reply of strings and booleans, whose encoding cannot fail.
    private static func json(_ value: some Encodable) -> Response {
        Response(status: .ok, headers: Self.jsonHeaders,
                 body: .init(byteBuffer: ByteBuffer(bytes: (try? WireJSON.encode(value)).map(Array.init) ?? [])))
    }

    private static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: Self.jsonHeaders,
                 body: .init(byteBuffer: CommandRegistry.failure(message).body))
    }
}
