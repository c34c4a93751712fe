import TestSupport
import AgentClient
import AgentServer
import AgentWire
import Logging
import Testing

@Suite struct AsyncCommandTests {
    let gates = Gates()
    var server: AgentServer {
        get throws { try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: gates)], logger: Logger(label: "test")) }
    }

    private func send(_ agent: RunningAgent, _ path: String, _ body: String, task: String, callback: String)
        async throws -> (status: Int, body: [UInt8]) {
        try await agent.client.post(path, body: Array(body.utf8),
                                    headers: [(AgentHeader.taskUUID, task), (AgentHeader.callbackURL, callback)])
    }

    @Test func acknowledgesWithAnEmptyBodyBeforeTheWorkFinishes() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                let task = AgentClient.newTaskUUID()
                mn.expectCallback(task)
                let ack = try await send(agent, "/test/async", #"{"gate":"ack","value":5}"#, task: task, callback: mn.callbackURL)
                #expect(ack.status == 200 && ack.body.isEmpty)
                #expect(mn.callbackAttempts(task) == 0)
                gates.open("ack")
                let reply = try WireJSON.decode(ProbeReply.self, from: try await mn.callback(for: task, timeout: .seconds(10)))
                #expect(reply == ProbeReply(value: 5))
            }
        }
    }

    @Test func clientRoundTripAndInBandFailure() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                let ok = try await agent.client.async("/test/async", ProbeCommand(name: "x"), as: ProbeReply.self, via: mn)
                #expect(ok.success && ok.name == "x")
                let failed = try await agent.client.async("/test/async", ProbeCommand(fail: "no such bridge br_eth9"),
                                                          as: ProbeReply.self, via: mn)
                #expect(!failed.success && failed.error == "no such bridge br_eth9")
                mn.expectCallback("t-malformed")
                #expect(try await send(agent, "/test/async", "{oops", task: "t-malformed", callback: mn.callbackURL).status == 200)
                let reply = try WireJSON.decode(EmptyReply.self, from: try await mn.callback(for: "t-malformed", timeout: .seconds(10)))
                #expect(!reply.success && reply.error?.hasPrefix("invalid command for /test/async: malformed JSON") == true)
            }
        }
    }

    @Test func callbacksReuseTheirConnectionToTheManagementNode() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                for value in 0..<10 {
                    let reply = try await agent.client.async("/test/async", ProbeCommand(value: value), as: ProbeReply.self, via: mn)
                    #expect(reply.value == value)
                }
                // With `Connection: close` on each callback, as the Python agent sends it, there would be ten.
                #expect(mn.connectionsAccepted < 10)
            }
        }
    }

    @Test func missingTaskUUIDIs400() async throws {
        try await RunningAgent.with(try server) { agent in
            let (status, body) = try await agent.client.post("/test/async", body: Array("{}".utf8))
            #expect(status == 400)
            #expect(String(decoding: body, as: UTF8.self).contains("taskuuid missing"))
            let noCallback = try await agent.client.post("/test/async", body: [], headers: [(AgentHeader.taskUUID, "t1")])
            #expect(noCallback.status == 400)
        }
    }

    @Test func callbackIsRetriedUntilTheReceiverComesUp() async throws {
        // Learn a free port, then leave it closed while the agent starts delivering.
        let port = try await ManagementNodeEndpoint.run { $0.port }
        try await RunningAgent.with(try server) { agent in
            let task = AgentClient.newTaskUUID()
            let url = "http://127.0.0.1:\(port)\(ManagementNodeEndpoint.callbackPath)"
            #expect(try await send(agent, "/test/async", #"{"value":9}"#, task: task, callback: url).status == 200)
            try await Task.sleep(for: .seconds(1))
            try await ManagementNodeEndpoint.run(port: port) { mn in
                mn.expectCallback(task)
                let reply = try WireJSON.decode(ProbeReply.self, from: try await mn.callback(for: task, timeout: .seconds(10)))
                #expect(reply.value == 9)
            }
            let metrics = String(decoding: try await agent.client.post("/metrics", body: []).body, as: UTF8.self)
            #expect(!metrics.contains("zstack_agent_callback_retries_total 0\n"))
        }
    }

    @Test func a404FromTheReceiverStopsRetries() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                let task = AgentClient.newTaskUUID()  // never expected: the MN "timed it out"
                #expect(try await send(agent, "/test/async", "{}", task: task, callback: mn.callbackURL).status == 200)
                let deadline = ContinuousClock.now + .seconds(10)
                while mn.callbackAttempts(task) == 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await Task.sleep(for: .seconds(1))  // ten retry intervals
                #expect(mn.callbackAttempts(task) == 1)
            }
        }
    }

    @Test func aDuplicateTaskIsAnsweredOnce() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                let task = AgentClient.newTaskUUID()
                mn.expectCallback(task)
                #expect(try await send(agent, "/test/async", #"{"gate":"dup","value":1}"#, task: task, callback: mn.callbackURL).status == 200)
                #expect(try await send(agent, "/test/async", #"{"value":2}"#, task: task, callback: mn.callbackURL).status == 200)
                gates.open("dup")
                let reply = try WireJSON.decode(ProbeReply.self, from: try await mn.callback(for: task, timeout: .seconds(10)))
                #expect(reply.value == 1)
                try await Task.sleep(for: .milliseconds(500))
                #expect(mn.callbackAttempts(task) == 1)
            }
        }
    }

    @Test func aHandlerOverItsTimeoutIsReportedAsFailure() async throws {
        try await RunningAgent.with(try server) { agent in
            try await ManagementNodeEndpoint.run { mn in
                let reply = try await agent.client.async("/test/slow", EmptyCommand(), as: EmptyReply.self, via: mn,
                                                         timeout: .seconds(10))
                #expect(!reply.success)
                #expect(reply.error?.contains("did not finish within") == true)
            }
        }
    }
}
