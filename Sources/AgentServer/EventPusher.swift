import AgentWire
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends agent-initiated events (`/kvm/reportvmstate`, `/progress/report`, ...) to the MN's send-command
/// URL, which the MN hands over in `connect` and may change with `update/configuration`.
public final class EventPusher: Sendable {
    private let url = Mutex<String?>(nil)
    private let client: HTTPClient
    private let policy: OutboundURLPolicy
    private let logger: Logger

    init(client: HTTPClient, policy: OutboundURLPolicy, logger: Logger) {
        self.client = client
        self.policy = policy
        self.logger = logger
    }

    /// The URL events go to; nil until the MN connects.
    public var sendCommandURL: String? { url.withLock { $0 } }

    /// Points events at the MN's URL, after checking it against the agent's outbound policy; nil forgets it.
    /// - Throws: `OutboundURLError` when the URL is not one the agent may post to; the old URL stays.
    public func setURL(_ sendCommandUrl: String?) throws(OutboundURLError) {
        if let sendCommandUrl { try policy.check(sendCommandUrl, field: "sendCommandUrl") }
        url.withLock { $0 = sendCommandUrl }
    }

    /// POSTs `body` with header `commandpath`. Throws when no MN is known or it does not accept the event.
    public func push(_ commandPath: String, _ body: some Encodable & Sendable) async throws {
        guard let target = sendCommandURL else { throw EventPushError.notConnected(commandPath: commandPath) }
        var request = HTTPClientRequest(url: target)
        request.method = .POST
        request.headers.add(name: AgentHeader.commandPath, value: commandPath)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try WireJSON.encode(body)))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try? await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw EventPushError.rejected(commandPath: commandPath, status: Int(response.status.code))
        }
        logger.debug("event pushed", metadata: ["command_path": "\(commandPath)"])
    }
}

public enum EventPushError: Error, CustomStringConvertible {
    case notConnected(commandPath: String)
    case rejected(commandPath: String, status: Int)

    public var description: String {
        switch self {
        case let .notConnected(path): "cannot send \(path): no management node has connected yet"
        case let .rejected(path, status): "the management node answered \(status) to \(path)"
        }
    }
}
