import AgentClient
import AgentServer
import Logging
import ServiceLifecycle

/// An agent served in-process on a free loopback port for the duration of a test body. Shared by every
/// agent's tests: they drive the agent over real HTTP, as the management node does.
public struct RunningAgent: Sendable {
    public let server: AgentServer
    public let port: Int
    public let group: ServiceGroup

    public var client: AgentClient { AgentClient(host: "127.0.0.1", port: port) }

    /// Serves `server` while `body` runs, then shuts it down gracefully and waits until it has stopped.
    public static func with<T: Sendable>(
        _ server: AgentServer,
        _ body: @Sendable (RunningAgent) async throws -> T
    ) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: .init(
            services: [server.service { portSink.yield($0) }],
            logger: Logger(label: "test.agent")))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            guard let port = await ports.first(where: { _ in true }) else {
                throw CancellationError()
            }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(RunningAgent(server: server, port: port, group: group)))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}

extension AgentServerConfiguration {
    /// A loopback server on a free port that retries callbacks quickly, so tests stay short.
    public static func test(
        maxBodyBytes: Int = 64 << 20,
        retryWindow: Duration = .seconds(10),
        drainTimeout: Duration = .seconds(10)
    ) -> AgentServerConfiguration {
        AgentServerConfiguration(
            listenAddress: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes,
            callbackRetryWindow: retryWindow, callbackRetryInterval: .milliseconds(100),
            shutdownDrainTimeout: drainTimeout)
    }
}
