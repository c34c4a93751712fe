import AgentClient
@testable import AgentServer
import AgentWire
import HTTPTypes
import Logging
import TestSupport
import Testing

/// ZStack's echo, the MN's liveness probe, and the header lookups every request makes.
@Suite struct EchoTests {
    private struct EchoRoutes: CommandRoutes {
        func register(in registry: inout CommandRegistry) {
            registry.echo("/test/echo")
            registry.sync("/test/sync") { (_: EmptyCommand, _) in EmptyReply() }
            registry.sync("/test/limited", timeout: .seconds(5)) { (_: EmptyCommand, _) in EmptyReply() }
        }
    }

    @Test(arguments: ["", "{}", "not json", #"{"hostUuid":"x"}"#, String(repeating: "x", count: 1 << 20)])
    func answersAnEmpty200WhateverTheBody(body: String) async throws {
        let server = try AgentServer(configuration: .test(), routes: [EchoRoutes()], logger: Logger(label: "test"))
        try await RunningAgent.with(server) { agent in
            let (status, reply) = try await agent.client.post("/test/echo", body: Array(body.utf8))
            #expect(status == 200)
            #expect(reply.isEmpty)
        }
    }

    /// The echo is answered from memory, so it runs without the task of its own a time limit costs; every
    /// other command keeps its limit.
    @Test func onlyTheEchoRunsWithoutATimeLimit() {
        var registry = CommandRegistry()
        registry.add(EchoRoutes())
        #expect(registry.routes["/test/echo"]?.timeLimit == .unneeded)
        #expect(registry.routes["/test/sync"]?.timeLimit == .agentDefault)
        #expect(registry.routes["/test/limited"]?.timeLimit == .after(.seconds(5)))
        // What the responder hands withTimeLimit: nil is the request's own task, no limit and no task of its own.
        let agentDefault = Duration.seconds(3600)
        #expect(registry.routes["/test/echo"]?.timeLimit.duration(agentDefault: agentDefault) == .some(nil))
        #expect(registry.routes["/test/sync"]?.timeLimit.duration(agentDefault: agentDefault) == agentDefault)
        #expect(registry.routes["/test/limited"]?.timeLimit.duration(agentDefault: agentDefault) == .seconds(5))
    }

    @Test func headerValuesReadAsTheSubscriptReadsThem() throws {
        let taskUUID = try #require(HTTPField.Name("taskuuid"))
        var fields: HTTPFields = [.contentLength: "12", .contentType: "application/json"]
        #expect(fields.value(of: .contentLength) == "12")
        #expect(fields.value(of: .authorization) == nil)
        #expect(fields.value(of: try #require(HTTPField.Name("Content-Length"))) == "12")
        fields.append(HTTPField(name: taskUUID, value: "a"))
        fields.append(HTTPField(name: .contentType, value: "text/plain"))
        fields.append(HTTPField(name: taskUUID, value: "b"))
        for name in [taskUUID, .contentType, .contentLength, .authorization] {
            #expect(fields.value(of: name) == fields[name])
        }
        #expect(fields.value(of: taskUUID) == "a, b")
    }
}
