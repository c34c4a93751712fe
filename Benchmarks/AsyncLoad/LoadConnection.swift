import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What every connection of one run shares: the target, how requests are paced, when to stop, and the
/// connections open now (so that the driver can close them).
final class LoadRun: Sendable {
    enum Pacing: Sendable {
        /// The next request as soon as the previous one is answered (wrk's closed loop).
        case closedLoop
        /// A request every `interval` nanoseconds per connection, its latency counted from when it was due,
        /// not from when the previous reply let it go (wrk2's correction for coordinated omission).
        case fixedRate(interval: UInt64)
    }

    /// An async command: acknowledged with a 200 on the connection, complete when its callback arrives.
    struct AsyncCommands: Sendable {
        let pending: PendingCommands
        let callbackURL: String
    }

    let target: URLTarget
    let body: ByteBuffer
    let headers: HTTPHeaders
    let pacing: Pacing
    let async: AsyncCommands?
    let measurements = Measurements()
    private let stopped = Atomic(false)
    private let budget: Atomic<Int>
    private let open = Mutex<[Int: any Channel]>([:])

    init(target: URLTarget, body: String, headers: [(String, String)], pacing: Pacing,
         async: AsyncCommands?, requests: Int?) {
        self.target = target
        self.body = ByteBuffer(string: body)
        var all = HTTPHeaders()
        all.add(name: "host", value: "\(target.host):\(target.port)")
        all.add(name: "content-type", value: async == nil ? "application/json" : "application/json; charset=utf-8")
        all.add(name: "content-length", value: "\(body.utf8.count)")
        for (name, value) in headers { all.add(name: name, value: value) }
        if let async { all.add(name: "callbackurl", value: async.callbackURL) }
        self.headers = all
        self.pacing = pacing
        self.async = async
        self.budget = Atomic(requests ?? .max)
    }

    /// No request starts after this; the driver then closes the connections (`closeAll`).
    func stop() { stopped.store(true, ordering: .relaxed) }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Whether another request may start: not after `stop()`, nor beyond the run's request count.
    func mayStart() -> Bool {
        !isStopped && budget.subtract(1, ordering: .relaxed).newValue >= 0
    }

    /// Connects `connection` on its own event loop; a refused connect is retried 10 ms later until `stop()`.
    func connect(_ connection: NIOLoopBound<LoadConnection>) {
        ClientBootstrap(group: connection.eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(connection.value)
                }
            }
            .connect(host: target.host, port: target.port)
            .whenFailure { [self] _ in
                measurements.failed()
                guard !isStopped else { return }
                connection.eventLoop.scheduleTask(in: .milliseconds(10)) { self.connect(connection) }
            }
    }

    func opened(_ channel: any Channel, index: Int) { open.withLock { $0[index] = channel } }

    func closeAll() async {
        for channel in open.withLock({ Array($0.values) }) { try? await channel.close() }
    }
}

/// One request at a time on a keep-alive connection (sync: until its reply; async: until its ack and its
/// callback both arrived), then the next. A connection the server closes (CherryPy keeps at most 10 idle
/// ones) is opened again, as wrk does; a request it was waiting for counts as an error, a callback it was
/// waiting for is still awaited.
final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let run: LoadRun
    private let index: Int
    private let taskPrefix: String
    private var bound: NIOLoopBound<LoadConnection>?
    private var context: ChannelHandlerContext?
    private var started = false
    private var timer: Scheduled<Void>?
    private var sent: UInt64 = 0
    private var startedAt: UInt64 = 0
    private var nextStart: UInt64 = 0
    private var task = ""
    private var awaitingAck = false
    private var awaitingCallback = false
    private var ok = true

    /// Makes connection `index` of `connections` on `eventLoop` and connects it. In a fixed-rate run the
    /// index staggers the first request so that the connections do not send in bursts.
    static func open(run: LoadRun, index: Int, connections: Int, on eventLoop: any EventLoop) {
        eventLoop.execute {
            let connection = LoadConnection(run: run, index: index)
            if case .fixedRate(let interval) = run.pacing {
                connection.nextStart = Measurements.now() + interval / UInt64(connections) * UInt64(index)
            }
            let bound = NIOLoopBound(connection, eventLoop: eventLoop)
            connection.bound = bound
            run.connect(bound)
        }
    }

    private init(run: LoadRun, index: Int) {
        self.run = run
        self.index = index
        // Unique to this process, so that a late callback of an earlier run's command never completes one
        // of this run's: ZStack's task uuids are 32 hex digits.
        self.taskPrefix = hex(UInt64(runIdentifier), width: 8) + hex(UInt64(index), width: 8)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        run.opened(context.channel, index: index)
        if !started {
            started = true
            if case .closedLoop = run.pacing { nextStart = Measurements.now() }
        }
        // A command whose callback is still due finishes first; then the next one goes out.
        if !awaitingCallback { scheduleNext() }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        timer?.cancel()
        timer = nil
        if awaitingAck {
            awaitingAck = false
            if !run.isStopped { run.measurements.failed() }
            if awaitingCallback {
                run.async?.pending.forget(task)
                awaitingCallback = false
            }
        }
        if !run.isStopped, let bound { run.connect(bound) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        run.measurements.note(error)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            ok = head.status == .ok
        case .body:
            break
        case .end:
            awaitingAck = false
            if !ok, awaitingCallback {
                // Refused (503, 401...): no callback will come.
                run.async?.pending.forget(task)
                awaitingCallback = false
            }
            if !awaitingCallback { finish() }
        }
    }

    /// The receiver got this connection's callback (called on this connection's event loop).
    func callbackArrived() {
        awaitingCallback = false
        if !awaitingAck { finish() }
    }

    private func finish() {
        let end = Measurements.now()
        run.measurements.completed(at: end, latency: end &- startedAt, ok: ok)
        scheduleNext()
    }

    /// Sends the next request now or when it is due; without a connection, `channelActive` will.
    private func scheduleNext() {
        guard let context else { return }
        switch run.pacing {
        case .closedLoop:
            send(context, startedAt: Measurements.now())
        case .fixedRate(let interval):
            let due = nextStart
            nextStart += interval
            if due <= Measurements.now() {
                send(context, startedAt: due)
            } else if let bound {
                timer = context.eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(due)) {
                    let connection = bound.value
                    connection.timer = nil
                    if let context = connection.context { connection.send(context, startedAt: due) }
                }
            }
        }
    }

    private func send(_ context: ChannelHandlerContext, startedAt: UInt64) {
        guard run.mayStart() else { return }
        self.startedAt = startedAt
        sent += 1
        var headers = run.headers
        if let async = run.async, let bound {
            task = taskPrefix + hex(sent, width: 16)
            headers.add(name: "taskuuid", value: task)
            async.pending.expect(task, by: bound)
            awaitingCallback = true
        }
        awaitingAck = true
        ok = true
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: run.target.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if run.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(run.body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

private let runIdentifier = UInt32.random(in: .min ... .max)

/// `value` as `width` lower-case hex digits: ZStack's task uuids are 32 of them.
func hex(_ value: UInt64, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
