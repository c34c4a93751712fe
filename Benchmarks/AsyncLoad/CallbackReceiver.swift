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

    /// Commands whose callbacks have not arrived yet.
    var count: Int { waiting.withLock { $0.count } }

    /// Hands the callback of `task` to the connection that sent it, on that connection's event loop.
    /// - Returns: false for a task nobody waits for.
    func arrived(_ task: String) -> Bool {
        guard let connection = waiting.withLock({ $0.removeValue(forKey: task) }) else { return false }
        connection.eventLoop.execute { connection.value.callbackArrived() }
        return true
    }
}

/// The callback receiver, answering as the MN's `RESTFacadeImpl.notifyCallback` does: an empty 200 to the
/// callback of a command it waits for, then the command's connection is told; 404 to an unknown or finished
/// task (so that an agent stops retrying it), 400 without `taskuuid`. Plain NIO, no router or JSON, so that
/// it answers far faster than any agent sends (the bench measures its capacity with wrk). Honours
/// `Connection: close`, which ZStack's `json_post` sends with every callback.
enum CallbackReceiver {
    /// Runs `body` while a receiver listens at `address`, on a group of `threads` event loops that `body`'s
    /// load shares.
    static func serve(at address: ListenAddress, threads: Int,
                      _ body: (PendingCommands, any EventLoopGroup) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let pending = PendingCommands()
        let receiver = try await start(host: address.host, port: address.port, pending: pending, group: group)
        try await body(pending, group)
        try await receiver.close()
        try await group.shutdownGracefully()
    }

    private static func start(host: String, port: Int, pending: PendingCommands,
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
                let status: HTTPResponseStatus = task.map { pending.arrived($0) ? .ok : .notFound } ?? .badRequest
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "0")
                if !keepAlive { headers.add(name: "connection", value: "close") }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                if keepAlive {
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                } else {
                    let channel = context.channel
                    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
                }
                task = nil
            }
        }
    }
}
