import AgentServer
import AgentClient
import Logging
import ServiceLifecycle
import Testing

// Same helper as Tests/AgentServerTests/RunningAgent.swift; test targets cannot import each other, so the
// lead may move it into a shared test-support target.

/// An agent served in-process on a free loopback port for the duration of a test body.
struct RunningAgent: Sendable {
    let port: Int

    var client: AgentClient { AgentClient(host: "127.0.0.1", port: port) }

    /// Serves `server` while `body` runs, then shuts it down gracefully and waits until it has stopped.
    static func with<T: Sendable>(_ server: AgentServer, _ body: @Sendable (RunningAgent) async throws -> T) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: .init(
            services: [server.service { portSink.yield($0) }], logger: Logger(label: "test.agent")))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(await ports.first { _ in true })
            let result: Result<T, any Error>
            do {
                result = .success(try await body(RunningAgent(port: port)))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}
