import TestSupport
import AgentClient
import AgentServer
import AgentWire
import Logging
import Testing

/// Issue 18: an agent runs for months, so nothing a command holds may outlive it. `/metrics` reports what
/// the runtime holds, read from the runner's in-flight set and the admission's load at the moment: after
/// every kind of command has ended (answered, failed in band, malformed, timed out, duplicated, refused),
/// all of it must be back to zero.
@Suite struct RetentionTests {
    let gates = Gates()
    var server: AgentServer {
        get throws { try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: gates)], logger: Logger(label: "test")) }
    }

    struct Held: Equatable {
        var inFlight: Int?
        var syncSlots: Int?
        var asyncSlots: Int?
        var bodyBytes: Int?

        static let nothing = Held(inFlight: 0, syncSlots: 0, asyncSlots: 0, bodyBytes: 0)
    }

    private func held(_ agent: RunningAgent) async throws -> Held {
        let text = String(decoding: try await agent.client.post("/metrics", body: []).body, as: UTF8.self)
        func value(_ series: String) -> Int? {
            // Gauges hold doubles: "1.0".
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
                .flatMap { Double($0.dropFirst(series.count + 1)) }.map { Int($0) }
        }
        return Held(inFlight: value("zstack_agent_async_commands_in_flight"),
                    syncSlots: value(#"zstack_agent_admitted_commands{mode="sync"}"#),
                    asyncSlots: value(#"zstack_agent_admitted_commands{mode="async"}"#),
                    bodyBytes: value("zstack_agent_admitted_body_bytes"))
    }

    private func send(_ agent: RunningAgent, _ path: String, _ body: String, task: String?, callback: String?)
        async throws -> Int {
        var headers: [(String, String)] = []
        if let task { headers.append((AgentHeader.taskUUID, task)) }
        if let callback { headers.append((AgentHeader.callbackURL, callback)) }
        return try await agent.client.post(path, body: Array(body.utf8), headers: headers).status
    }

    @Test func aRunningCommandIsWhatTheAgentHolds() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                let task = AgentClient.newTaskUUID()
                mn.expectCallback(task)
                let body = #"{"gate":"held","value":1}"#
                #expect(try await send(agent, "/test/async", body, task: task, callback: mn.callbackURL) == 200)
                #expect(try await held(agent) == Held(inFlight: 1, syncSlots: 0, asyncSlots: 1, bodyBytes: body.utf8.count))
                gates.open("held")
                _ = try await mn.callback(for: task, timeout: .seconds(10))
                #expect(try await eventually(within: .seconds(10)) { try await held(agent) == .nothing })
            }
        }
    }

    @Test func finishedCommandsLeaveNothingHeld() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                var answered: [String] = []
                for round in 0..<40 {
                    let gate = "round-\(round)"
                    for body in [#"{"gate":"\#(gate)","value":\#(round)}"#, #"{"fail":"no such bridge"}"#, "{oops"] {
                        let task = AgentClient.newTaskUUID()
                        mn.expectCallback(task)
                        answered.append(task)
                        #expect(try await send(agent, "/test/async", body, task: task, callback: mn.callbackURL) == 200)
                    }
                    // The gated task again while it runs: acknowledged and ignored, holding nothing.
                    #expect(try await send(agent, "/test/async", "{}", task: answered[answered.count - 3], callback: mn.callbackURL) == 200)
                    gates.open(gate)
                    // Refused before running: no callback URL, a sync command given a task uuid.
                    #expect(try await send(agent, "/test/async", "{}", task: AgentClient.newTaskUUID(), callback: nil) == 400)
                    #expect(try await send(agent, "/test/sync", "{}", task: "t", callback: nil) == 500)
                    #expect(try await send(agent, "/test/sync", #"{"value":\#(round)}"#, task: nil, callback: nil) == 200)
                }
                for _ in 0..<3 {
                    let task = AgentClient.newTaskUUID()
                    mn.expectCallback(task)
                    answered.append(task)
                    #expect(try await send(agent, "/test/slow", "{}", task: task, callback: mn.callbackURL) == 200)
                }
                for task in answered { _ = try await mn.callback(for: task, timeout: .seconds(20)) }
                #expect(try await eventually(within: .seconds(10)) { try await held(agent) == .nothing })
                #expect(try await held(agent) == .nothing)
            }
        }
    }
}
