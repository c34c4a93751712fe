import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The MN's side of async commands: which connection waits for which `taskuuid`. A connection registers its
/// command before sending it, so a callback can never arrive first.
final class PendingCommands: Sendable {
    private let waiting = Mutex<[String: NIOLoopBound<LoadConnection>]>([:])

    func expect(_ task: String, by connection: NIOLoopBound<LoadConnection>) {
        waiting.withLock { $0[task] = connection }
    }

    func forget(_ task: String) { _ = waiting.withLock { $0.removeValue(forKey: task) } }

    /// Hands the callback of `task` to the connection that sent it, on that connection's event loop.
    /// - Returns: false for a task nobody waits for (the MN answers those with 404; this receiver with 200).
    @discardableResult
    func arrived(_ task: String) -> Bool {
        guard let connection = waiting.withLock({ $0.removeValue(forKey: task) }) else { return false }
        connection.eventLoop.execute { connection.value.callbackArrived() }
        return true
    }
}

/// The callback receiver: an empty 200 to every POST at once, then the command's connection is told. Plain
/// NIO, no router or JSON, so that it answers far faster than any agent sends (the bench measures its
/// capacity with wrk). Honours `Connection: close`, which ZStack's `json_post` sends with every callback.
enum CallbackReceiver {
    static func start(host: String, port: Int, pending: PendingCommands,
                      group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(CallbackHandler(pending: pending))
                }
            }
            .bind(host: host, port: port).get()
    }

    private final class CallbackHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let pending: PendingCommands
        private var task: String?
        private var keepAlive = true

        init(pending: PendingCommands) { self.pending = pending }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                task = head.headers.first(name: "taskuuid")
                keepAlive = head.isKeepAlive
            case .body:
                break
            case .end:
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "0")
                if !keepAlive { headers.add(name: "connection", value: "close") }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                if keepAlive {
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                } else {
                    let channel = context.channel
                    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
                }
                if let task { pending.arrived(task) }
                task = nil
            }
        }
    }
}
