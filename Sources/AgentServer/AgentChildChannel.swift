import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Every accepted connection goes through here before HTTP: the source-address allow-list first (a
/// refused peer is closed before a byte is read), then TLS with a required client certificate when the
/// agent runs in `mtls` mode, then Hummingbird's HTTP/1 channel with its idle timeout.
struct AgentChildChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let allowFrom: [SourceAddressRange]
    let tls: TLSServerIdentity?
    let metrics: AgentMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let peer = channel.remoteAddress
        if !allowFrom.isEmpty, !(peer.map { address in allowFrom.contains { $0.contains(address) } } ?? false) {
            metrics.connectionRefused(reason: "source")
            logger.notice("connection refused: source address not in --allow-from", metadata: [
                "peer": "\(peer.map { "\($0)" } ?? "unknown")",
            ])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionRefused())
        }
        guard let tls else { return base.setup(channel: channel, logger: logger) }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(tls.serverHandler(peer: peer, metrics: metrics, logger: logger))
            try channel.pipeline.syncOperations.addHandler(HandshakeFailureLogger(peer: peer, metrics: metrics, logger: logger))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    struct ConnectionRefused: Error {}
}

/// Logs why a TLS handshake failed (no client certificate, a protocol error), with the peer, once per
/// connection: the reason an operator needs, instead of a silent close. Certificate refusals are logged
/// by the verifier with the precise cause before the handshake fails.
private final class HandshakeFailureLogger: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let peer: SocketAddress?
    let metrics: AgentMetrics
    let logger: Logger
    private var reported = false

    init(peer: SocketAddress?, metrics: AgentMetrics, logger: Logger) {
        self.peer = peer
        self.metrics = metrics
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !reported, let error = error as? NIOSSLError {
            reported = true
            metrics.connectionRefused(reason: "tls")
            logger.notice("TLS handshake refused", metadata: [
                "peer": "\(peer.map { "\($0)" } ?? "unknown")", "reason": "\(Self.explain(error))",
            ])
        }
        context.fireErrorCaught(error)
    }

    private static func explain(_ error: NIOSSLError) -> String {
        let text = "\(error)"
        if text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") { return "the client presented no certificate" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return "the client certificate was refused (see the verifier's line)" }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") { return "the client spoke plain HTTP to a TLS port" }
        return text
    }
}
