import TestSupport
import AgentClient
import AgentServer
import AgentWire
import Logging
import ServiceLifecycle
import Testing

@Suite struct ShutdownAndMetricsTests {
    @Test func gracefulShutdownDeliversInFlightCallbacks() async throws {
        let gates = Gates()
        let server = try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: gates)], logger: Logger(label: "test"))
        try await ManagementNodeEndpoint.run { mn in
            let task = AgentClient.newTaskUUID()
            mn.expectCallback(task)
            try await RunningAgent.with(server) { agent in
                let (status, _) = try await agent.client.post(
                    "/test/async", body: Array(#"{"gate":"shutdown","value":3}"#.utf8),
                    headers: [(AgentHeader.taskUUID, task), (AgentHeader.callbackURL, mn.callbackURL)])
                #expect(status == 200)
                // Shut down while the command still runs; release it only after the listener has closed.
                await agent.group.triggerGracefulShutdown()
                #expect(await TCPProbe.waitUntilClosed(port: agent.port, timeout: .seconds(20)))
                gates.open("shutdown")
            }
            // `with` returned: the service group has finished, so the reply went out before the exit.
            #expect(mn.callbackAttempts(task) == 1)
            let reply = try WireJSON.decode(ProbeReply.self, from: try await mn.callback(for: task, timeout: .seconds(1)))
            #expect(reply.value == 3)
        }
    }

    @Test func metricsCountRequestsByPathAndOutcome() async throws {
        let server = try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: Gates())], logger: Logger(label: "test"))
        try await RunningAgent.with(server) { agent in
            _ = try await agent.client.sync("/test/sync", ProbeCommand(), as: ProbeReply.self)
            _ = try await agent.client.sync("/test/sync/", ProbeCommand(), as: ProbeReply.self)
            _ = try await agent.client.sync("/test/sync", ProbeCommand(fail: "x"), as: ProbeReply.self)
            _ = try await agent.client.post("/no/such/path", body: [])
            _ = try await agent.client.post("/test/async", body: [])
            let text = String(decoding: try await agent.client.post("/metrics", body: []).body, as: UTF8.self)
            #expect(text.contains(#"zstack_agent_requests_total{path="/test/sync",outcome="success"} 2"#))
            #expect(text.contains(#"zstack_agent_requests_total{path="/test/sync",outcome="failure"} 1"#))
            #expect(text.contains(#"zstack_agent_requests_total{path="unmatched",outcome="not_found"} 1"#))
            #expect(text.contains(#"zstack_agent_requests_total{path="/test/async",outcome="rejected"} 1"#))
            #expect(text.contains("zstack_agent_async_commands_in_flight 0"))
        }
    }

    @Test func memoryABurstFreedGoesBackOnceTheAgentIsQuietAndOnlyThen() async throws {
        let server = try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: Gates())], logger: Logger(label: "test"))
        try await RunningAgent.with(server) { agent in
            // `/metrics` is not a command: reading it does not count as work.
            func returns() async throws -> Int? {
                let text = String(decoding: try await agent.client.post("/metrics", body: []).body, as: UTF8.self)
                let prefix = "zstack_agent_memory_returns_total "
                return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
            }
            #expect(try await returns() == 0)
            for _ in 0..<20 { _ = try await agent.client.sync("/test/sync", ProbeCommand(), as: ProbeReply.self) }
            #expect(try await eventually(within: .seconds(30)) { try await returns() ?? 0 >= 1 })
            // A busy test machine can stall the burst for a whole interval, and so split it in two returns:
            // what counts is that an agent at rest then stays at its count (three intervals of one second).
            try await Task.sleep(for: .seconds(2))
            let afterBurst = try #require(try await returns())
            try await Task.sleep(for: .seconds(3))
            #expect(try await returns() == afterBurst)
            _ = try await agent.client.sync("/test/sync", ProbeCommand(), as: ProbeReply.self)
            #expect(try await eventually(within: .seconds(30)) { try await returns() == afterBurst + 1 })
        }
    }
}
