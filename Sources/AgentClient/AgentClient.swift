import AgentWire
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Talks to an agent the way ZStack's management node does: sync commands, async commands answered through
/// a callback, and the echo loop used while an agent starts.
///
/// Thread-safe; every call is independent. Async calls need a `ManagementNodeEndpoint` to receive callbacks.
public struct AgentClient: Sendable {
    /// e.g. `http://10.0.0.5:7070`; command paths are appended to it.
    public let baseURL: String
    private let http: HTTPClient
    /// `Authorization` header value sent with every command (`Bearer <token>` for agents in token mode).
    private let authorization: String?

    /// - Parameters:
    ///   - http: the client to send with; one configured by `AgentClientTLS` for agents in `mtls` mode.
    ///   - authorization: for agents in `token` mode, `Bearer <token>`.
    public init(baseURL: String, http: HTTPClient = .shared, authorization: String? = nil) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
        self.authorization = authorization
    }

    public init(host: String, port: Int, http: HTTPClient = .shared) {
        self.init(baseURL: "http://\(host):\(port)", http: http)
    }

    /// A raw POST, for callers that control every header (tests of the protocol itself).
    public func post(
        _ path: String,
        body: [UInt8],
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(30)
    ) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request, timeout: timeout)
    }

    /// Asks the agent which agent and release it runs (`GET /agent/version`, served by every agent).
    public func version(timeout: Duration = .seconds(10)) async throws -> AgentVersion {
        try await get(AgentVersion.path, as: AgentVersion.self, timeout: timeout)
    }

    /// Asks the agent for the MD5s of what it runs (`GET /agent/manifest`, served by every agent).
    public func manifest(timeout: Duration = .seconds(10)) async throws -> AgentManifest {
        try await get(AgentManifest.path, as: AgentManifest.self, timeout: timeout)
    }

    private func get<Reply: Decodable>(_ path: String, as reply: Reply.Type, timeout: Duration) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .GET
        let (status, body) = try await send(request, timeout: timeout)
        guard status == 200 else { throw Self.unexpected(status, body, path) }
        return try Self.decode(reply, body, path)
    }

    private func send(_ request: HTTPClientRequest, timeout: Duration) async throws -> (status: Int, body: [UInt8]) {
        var request = request
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await http.execute(request, timeout: .init(timeout))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    /// Sends a sync command and decodes the JSON reply from the body.
    public func sync<Reply: Decodable>(
        _ path: String,
        _ command: some Encodable,
        as reply: Reply.Type,
        timeout: Duration = .seconds(300)
    ) async throws -> Reply {
        let (status, body) = try await post(path, body: Array(try WireJSON.encode(command)), timeout: timeout)
        guard status == 200 else { throw Self.unexpected(status, body, path) }
        return try Self.decode(reply, body, path)
    }

    /// Sends an async command with a fresh task uuid and waits for its callback on `endpoint`.
    public func async<Reply: Decodable>(
        _ path: String,
        _ command: some Encodable,
        as reply: Reply.Type,
        via endpoint: ManagementNodeEndpoint,
        taskUUID: String = Self.newTaskUUID(),
        timeout: Duration = .seconds(300)
    ) async throws -> Reply {
        endpoint.expectCallback(taskUUID)
        let (status, body) = try await post(path, body: Array(try WireJSON.encode(command)), headers: [
            (AgentHeader.taskUUID, taskUUID), (AgentHeader.callbackURL, endpoint.callbackURL),
        ])
        guard status == 200 else { throw Self.unexpected(status, body, path) }
        return try Self.decode(reply, try await endpoint.callback(for: taskUUID, timeout: timeout), path)
    }

    /// ZStack's echo loop: POST `path` with an empty body every `interval` until it answers 200 or
    /// `timeout` passes.
    public func waitForEcho(
        _ path: String = KVM.echoPath,
        timeout: Duration = .seconds(60),
        interval: Duration = .seconds(1)
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastProblem = "no answer"
        while ContinuousClock.now < deadline {
            do {
                let (status, _) = try await post(path, body: [], timeout: .seconds(2))
                if status == 200 { return }
                lastProblem = "HTTP \(status)"
            } catch {
                lastProblem = "\(error)"
            }
            try await Task.sleep(for: interval)
        }
        throw AgentClientError(code: .timeout,
                               message: "unable to echo \(baseURL)\(path) within \(timeout): \(lastProblem)")
    }

    /// A task uuid shaped like the MN's: 32 lowercase hex characters.
    public static func newTaskUUID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    private static func decode<Reply: Decodable>(_ type: Reply.Type, _ body: [UInt8], _ path: String) throws -> Reply {
        do {
            return try WireJSON.decode(type, from: body)
        } catch {
            throw AgentClientError(code: .badReply, message: "reply of \(path) is not what was expected: \(error)")
        }
    }

    private static func unexpected(_ status: Int, _ body: [UInt8], _ path: String) -> AgentClientError {
        AgentClientError(code: .httpStatus(status),
                         message: "\(path) answered HTTP \(status): \(String(decoding: body.prefix(512), as: UTF8.self))")
    }
}
