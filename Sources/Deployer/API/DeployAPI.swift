import Foundation
import Hummingbird
import NIOCore

/// The deployer's HTTP API, in ZStack's REST shapes where ZStack has them: `PUT /v1/hosts/{uuid}/actions`
/// with `{"reconnectHost":{}}`, `{"params":{...}}` bodies, `inventories`/`inventory` replies, and long
/// operations answered 202 with the `location` to poll. Every request passes `APIAccess` first (token,
/// Host, Content-Type); nothing a GET returns holds a secret (passwords, variable and extra-var values).
public struct DeployAPI: Sendable {
    public let deployer: Deployer
    public let access: APIAccess
    /// Request bodies larger than this are refused with 413.
    public var bodyLimit = 1 << 20

    public init(deployer: Deployer, access: APIAccess) {
        self.deployer = deployer
        self.access = access
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: DeployerErrorMiddleware())
        router.add(middleware: APIAccessMiddleware(access: access))
        router.get("/v1/hosts") { _, _ in try json(["inventories": await deployer.status()]) }
        router.get("/v1/hosts/:uuid") { _, context in
            try json(["inventory": HostSummary(try await host(context))])
        }
        router.post("/v1/hosts") { request, _ in
            let body = try await decode(HostsBody.self, request)
            let handle = try await deployer.start(.add(body.hosts, deploy: body.deploy ?? true), trigger: "api")
            return try accepted(handle.id)
        }
        router.delete("/v1/hosts/:uuid") { _, context in
            try json(["inventory": await deployer.removeHost(try await host(context).uuid)])
        }
        router.put("/v1/hosts/:uuid/actions") { request, context in
            let target = try await host(context)
            let action = try await decode(HostAction.self, request)
            guard action.reconnectHost != nil else {
                throw APIError(.badRequest, "unknown action: this API supports {\"reconnectHost\":{}}")
            }
            return try accepted(try await deployer.start(.reconnect([target.uuid]), trigger: "api").id)
        }
        router.post("/v1/upgrade") { request, _ in
            let body = try await decode(UpgradeBody.self, request, allowEmpty: true)
            let params = body.params ?? body.flat
            let handle = try await deployer.start(
                .upgrade(batchSize: params.batchSize, maxFailPercent: params.maxFailPercent), trigger: "api")
            return try accepted(handle.id)
        }
        router.get("/v1/runs") { _, _ in try json(["runs": await deployer.inventory.runs(limit: 100)]) }
        router.get("/v1/runs/:id") { _, context in try json(try await runDetails(context)) }
        router.get("/v1/runs/:id/events") { request, context in
            try await RunEventStream(inventory: deployer.inventory, runId: try await runDetails(context).run.id!)
                .response(to: request)
        }
        router.get("/v1/settings") { _, _ in try json(["settings": Setting.shown(await deployer.inventory.settings())]) }
        router.put("/v1/settings/:key") { request, context in
            let key = try context.parameters.require("key")
            let body = try await decode(SettingBody.self, request)
            if let problem = Setting.problem(key: key, value: body.value) { throw APIError(.badRequest, problem) }
            try await deployer.inventory.setSetting(key, body.value)
            return try json(["key": key, "value": Setting.shown(key: key, value: body.value)])
        }
        return router
    }

    private func host(_ context: BasicRequestContext) async throws -> HostRecord {
        let uuid = try context.parameters.require("uuid")
        guard let host = try await deployer.inventory.host(uuid) else { throw APIError(.notFound, "no host \(uuid)") }
        return host
    }

    private func runDetails(_ context: BasicRequestContext) async throws -> RunDetails {
        let text = try context.parameters.require("id")
        guard let id = Int64(text), let details = try await deployer.inventory.runDetails(id) else {
            throw APIError(.notFound, "no run \(text)")
        }
        return details
    }

    private func decode<Body: Decodable>(_ type: Body.Type, _ request: Request, allowEmpty: Bool = false) async throws -> Body {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: bodyLimit)
        } catch {
            throw APIError(.contentTooLarge, "request body is larger than \(bodyLimit) bytes")
        }
        let bytes = buffer.readableBytes == 0 && allowEmpty ? Array("{}".utf8) : Array(buffer.readableBytesView)
        do {
            return try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw APIError(.badRequest, "malformed request body: \(DecodingErrorText.describe(error))")
        } catch {
            throw APIError(.badRequest, "malformed request body: \(error)")
        }
    }

    private func accepted(_ runId: Int64) throws -> Response {
        try json(["location": "/v1/runs/\(runId)", "runId": "\(runId)"], status: .accepted)
    }
}

/// An API failure with the HTTP status it maps to; the body is ZStack's `{"error":{"code","description"}}`.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    /// Extra response headers (`WWW-Authenticate` on a 401).
    let headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try json(["error": ["code": "\(status.code)", "description": message]], status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// Turns the deployer's errors into API errors (the router's middleware sees only HTTPResponseError).
struct DeployerErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as DeployerError {
            let status: HTTPResponse.Status = switch error.kind {
            case .invalidInput: .badRequest
            case .notFound: .notFound
            case .busy: .conflict
            case .badPackages: .unprocessableContent
            case .environment: .internalServerError
            }
            throw APIError(status, error.message)
        }
    }
}

func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

private struct HostsBody: Decodable {
    var hosts: [HostInput]
    var deploy: Bool?

    enum CodingKeys: String, CodingKey { case params, deploy }

    /// `{"params": {host}}` as ZStack's AddHost takes, or `{"params": [{host}, ...]}` for several.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let many = try? container.decode([HostInput].self, forKey: .params) {
            hosts = many
        } else {
            hosts = [try container.decode(HostInput.self, forKey: .params)]
        }
        deploy = try container.decodeIfPresent(Bool.self, forKey: .deploy)
    }
}

private struct HostAction: Decodable {
    struct Empty: Decodable {}
    var reconnectHost: Empty?
}

private struct UpgradeBody: Decodable {
    struct Params: Decodable {
        var batchSize: Int?
        var maxFailPercent: Int?
    }

    var params: Params?
    var flat: Params

    enum CodingKeys: String, CodingKey { case params }

    init(from decoder: any Decoder) throws {
        params = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Params.self, forKey: .params)
        flat = try Params(from: decoder)
    }
}

private struct SettingBody: Decodable {
    var value: String
}

/// Names the field a decoding error is about, in words.
enum DecodingErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "field '\(path(context.codingPath))': expected \(type)"
        case .valueNotFound(_, let context): return "field '\(path(context.codingPath))' is null"
        case .keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let context): return "not valid JSON \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
