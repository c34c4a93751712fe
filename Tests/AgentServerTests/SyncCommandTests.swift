import TestSupport
import AgentClient
import AgentServer
import AgentWire
import Logging
import Testing

@Suite struct SyncCommandTests {
    let server: AgentServer

    init() throws {
        server = try AgentServer(configuration: .test(maxBodyBytes: 64 << 20),
                                 routes: [ProbeRoutes(gates: Gates())], logger: Logger(label: "test"))
    }

    private func post(_ agent: RunningAgent, _ path: String, _ body: String, headers: [(String, String)] = [])
        async throws -> (status: Int, reply: JSONValue?) {
        let (status, bytes) = try await agent.client.post(path, body: Array(body.utf8), headers: headers)
        return (status, try? WireJSON.decode(JSONValue.self, from: bytes))
    }

    @Test func repliesInTheBodyWithAndWithoutTrailingSlash() async throws {
        try await RunningAgent.with(server) { agent in
            let reply = try await agent.client.sync("/test/sync", ProbeCommand(value: 7, name: "vm"), as: ProbeReply.self)
            #expect(reply == ProbeReply(value: 7, name: "vm"))
            let slashed = try await agent.client.sync("/test/sync/", ProbeCommand(value: 8), as: ProbeReply.self)
            #expect(slashed.value == 8)
        }
    }

    @Test func stringsStandInForNumbersAndBooleans() async throws {
        try await RunningAgent.with(server) { agent in
            let (status, reply) = try await post(agent, "/test/sync", #"{"value":"42","flag":"true","extra":{"x":1}}"#)
            #expect(status == 200)
            #expect(reply?["value"] == .number(42) && reply?["flag"] == .bool(true) && reply?["success"] == .bool(true))
        }
    }

    @Test(arguments: [
        ("", nil),
        (#"{"value": 1"#, "invalid command for /test/sync: malformed JSON"),
        (#"{"value":"abc"}"#, "invalid command for /test/sync: field 'value': expected an integer, got \"abc\""),
        (#"{"flag":3}"#, "invalid command for /test/sync: field 'flag': expected a boolean"),
        (#""just a string""#, "invalid command for /test/sync: the body must be a JSON object"),
        (#"{"name":"; rm -rf / ../../etc"}"#, nil),
    ])
    func badBodiesGetAnInBandError(body: String, expectedError: String?) async throws {
        try await RunningAgent.with(server) { agent in
            let (status, reply) = try await post(agent, "/test/sync", body)
            #expect(status == 200)
            if let expectedError {
                #expect(reply?["success"] == .bool(false))
                #expect(reply?["error"]?.stringValue?.hasPrefix(expectedError) == true, "\(String(describing: reply))")
            } else {
                #expect(reply?["success"] == .bool(true))
            }
        }
    }

    @Test func handlerErrorsAreInBand() async throws {
        try await RunningAgent.with(server) { agent in
            let reply = try await agent.client.sync("/test/sync", ProbeCommand(fail: "disk /dev/sdz is gone"), as: ProbeReply.self)
            #expect(reply.success == false && reply.error == "disk /dev/sdz is gone")
        }
    }

    @Test func taskUUIDOnASyncPathIsRefusedWith500() async throws {
        try await RunningAgent.with(server) { agent in
            let (status, reply) = try await post(agent, "/test/sync", "{}", headers: [("taskuuid", "abc")])
            #expect(status == 500)
            #expect(reply?["error"]?.stringValue?.contains("abc") == true)
        }
    }

    @Test func unknownPathIs404WithJSON() async throws {
        try await RunningAgent.with(server) { agent in
            let (status, reply) = try await post(agent, "/vm/../../etc/passwd", "{}")
            #expect(status == 404)
            #expect(reply?["success"] == .bool(false))
        }
    }

    @Test func oversizedBodyIs413AndTheAgentKeepsServing() async throws {
        try await RunningAgent.with(server) { agent in
            let big = [UInt8](repeating: UInt8(ascii: " "), count: 70 << 20)
            let (status, _) = try await agent.client.post("/test/sync", body: big)
            #expect(status == 413)
            let reply = try await agent.client.sync("/test/sync", ProbeCommand(value: 1), as: ProbeReply.self)
            #expect(reply.value == 1)
        }
    }
}
