import AgentWire
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The management node's side of the wire on a local port: the async callback receiver
/// (`/zstack/asyncrest/callback`) and the event channel (`/zstack/asyncrest/sendcommand`), answering as
/// ZStack's `RESTFacadeImpl` does (400 without the header, 404 for a task nobody waits for).
///
/// Use it through `run(host:port:_:)`, which serves for exactly the duration of the closure.
public final class ManagementNodeEndpoint: Sendable {
    /// An event an agent pushed with header `commandpath`.
    public struct Event: Sendable {
        public let commandPath: String
        public let body: [UInt8]

        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try WireJSON.decode(type, from: body)
        }
    }

    public static let callbackPath = "/zstack/asyncrest/callback"
    public static let sendCommandPath = "/zstack/asyncrest/sendcommand"

    public let host: String
    public let port: Int
    let board = CallbackBoard()
    private let received = Mutex<(events: [Event], taken: Set<Int>)>(([], []))
    private let connections: ConnectionCount

    fileprivate init(host: String, port: Int, connections: ConnectionCount) {
        self.host = host
        self.port = port
        self.connections = connections
    }

    /// TCP connections agents have opened to this endpoint so far. ZStack's MN (Tomcat) keeps connections
    /// alive, and agents reuse theirs for callbacks and events: far fewer than the requests.
    public var connectionsAccepted: Int { connections.value }

    public var callbackURL: String { "http://\(host):\(port)\(Self.callbackPath)" }
    public var sendCommandURL: String { "http://\(host):\(port)\(Self.sendCommandPath)" }

    /// Every event received so far, in order.
    public var events: [Event] { received.withLock { $0.events } }

    /// Waits for the oldest event with this command path that this method has not returned yet.
    public func nextEvent(_ commandPath: String, timeout: Duration) async throws -> Event {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found: Event? = received.withLock { state in
                guard let index = state.events.indices.first(where: {
                    !state.taken.contains($0) && state.events[$0].commandPath == commandPath
                }) else { return nil }
                state.taken.insert(index)
                return state.events[index]
            }
            if let found { return found }
            guard ContinuousClock.now < deadline else {
                throw AgentClientError(code: .timeout, message: "no \(commandPath) event within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Registers a task uuid whose callback will be accepted.
    public func expectCallback(_ taskUUID: String) {
        board.expect(taskUUID)
    }

    /// Waits for the callback body of an expected task.
    public func callback(for taskUUID: String, timeout: Duration) async throws -> [UInt8] {
        try await board.wait(for: taskUUID, timeout: timeout)
    }

    /// How many callback POSTs arrived for the task, accepted or answered 404.
    public func callbackAttempts(_ taskUUID: String) -> Int {
        board.attemptCount(taskUUID)
    }

    /// Serves on `host:port` (0 = a free port) while `body` runs.
    public static func run<T: Sendable>(
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger = Logger(label: "zstack.mn-endpoint"),
        _ body: @Sendable (ManagementNodeEndpoint) async throws -> T
    ) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let router = Router()
        let endpointBox = Mutex<ManagementNodeEndpoint?>(nil)
        let connections = ConnectionCount()
        router.post(RouterPath(callbackPath)) { request, _ -> Response in
            guard let taskUUID = request.headers[HTTPField.Name(AgentHeader.taskUUID)!] else {
                return Response(status: .badRequest)
            }
            let bytes = try await request.body.collect(upTo: 64 << 20)
            let accepted = endpointBox.withLock { $0 }?.board.deliver(taskUUID, body: Array(bytes.readableBytesView)) ?? false
            return Response(status: accepted ? .ok : .notFound)
        }
        router.post(RouterPath(sendCommandPath)) { request, _ -> Response in
            guard let commandPath = request.headers[HTTPField.Name(AgentHeader.commandPath)!] else {
                return Response(status: .badRequest)
            }
            let bytes = try await request.body.collect(upTo: 64 << 20)
            endpointBox.withLock { $0 }?.record(Event(commandPath: commandPath, body: Array(bytes.readableBytesView)))
            return Response(status: .ok)
        }
        let app = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                CountingHTTP1Channel(base: HTTP1Channel(responder: responder), count: connections)
            },
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? port) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            guard let boundPort = await ports.first(where: { _ in true }) else {
                throw AgentClientError(code: .badReply, message: "management-node endpoint did not start")
            }
            let endpoint = ManagementNodeEndpoint(host: host, port: boundPort, connections: connections)
            endpointBox.withLock { $0 = endpoint }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(endpoint))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    private func record(_ event: Event) {
        received.withLock { $0.events.append(event) }
    }
}

private final class ConnectionCount: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .relaxed) }

    func increment() { count.add(1, ordering: .relaxed) }
}

/// Hummingbird's HTTP/1 channel, counting the connections it is set up for.
private struct CountingHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let count: ConnectionCount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        count.increment()
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
