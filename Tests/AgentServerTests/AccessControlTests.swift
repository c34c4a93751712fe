import AgentClient
import AgentServer
import TestSupport
import AgentWire
import Foundation
import Logging
import Testing

/// Who may command an agent, and how much it takes on: token authentication, the source allow-list, the
/// outbound URL policy, idle connections and the admission bounds — over real HTTP and TCP on loopback.
@Suite struct AccessControlTests {
    private func agent(_ configure: (inout AgentServerConfiguration) throws -> Void, gates: Gates = Gates()) throws -> AgentServer {
        var configuration = AgentServerConfiguration.test()
        try configure(&configuration)
        return try AgentServer(configuration: configuration, routes: [ProbeRoutes(gates: gates)], logger: Logger(label: "test"))
    }

    private func tokenFile(_ token: String, mode: Int = 0o600) throws -> String {
        let path = NSTemporaryDirectory() + "agent-token-\(UUID().uuidString.prefix(8))"
        try Data(token.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func tokenModeRefusesRequestsWithoutTheRightBearerToken() async throws {
        let path = try tokenFile("s3cret-token-0123456789\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let token = try AgentToken.load(path: path)
        try await RunningAgent.with(try agent { $0.authentication = .token(token) }) { agent in
            let missing = try await agent.client.post("/test/sync", body: Array(#"{"value":1}"#.utf8))
            #expect(missing.status == 401)
            #expect(String(decoding: missing.body, as: UTF8.self).contains("requires Authorization: Bearer"))
            let wrong = try await agent.client.post("/test/sync", body: Array(#"{"value":1}"#.utf8),
                                                    headers: [("Authorization", "Bearer s3cret-token-0123456788")])
            #expect(wrong.status == 401)
            #expect(!String(decoding: wrong.body, as: UTF8.self).contains("s3cret"), "the reply never shows a token")
            let metrics = try await agent.client.post("/metrics", body: [])
            #expect(metrics.status == 401, "metrics name the commands served: they need the token too")
            let right = try await agent.client.post("/test/sync", body: Array(#"{"value":7}"#.utf8),
                                                    headers: [("Authorization", token.authorizationHeader)])
            #expect(right.status == 200)
            #expect(try WireJSON.decode(ProbeReply.self, from: right.body).value == 7)
            let scrape = try await agent.client.post("/metrics", body: [], headers: [("Authorization", token.authorizationHeader)])
            #expect(String(decoding: scrape.body, as: UTF8.self).contains(#"zstack_agent_auth_mode{mode="token"} 1"#))
        }
    }

    @Test func tokenFilesThatOthersCanReadOrThatAreTooShortAreRefused() throws {
        let open = try tokenFile("s3cret-token-0123456789", mode: 0o644)
        let short = try tokenFile("short")
        defer { try? FileManager.default.removeItem(atPath: open); try? FileManager.default.removeItem(atPath: short) }
        #expect(throws: AgentSecurityError.self) { try AgentToken.load(path: open) }
        #expect(throws: AgentSecurityError.self) { try AgentToken.load(path: short) }
        #expect(throws: AgentSecurityError.self) { try AgentToken.load(path: "/nonexistent/token") }
    }

    @Test func noneModeSaysSoInMetrics() async throws {
        try await RunningAgent.with(try agent { _ in }) { agent in
            let scrape = try await agent.client.post("/metrics", body: [])
            #expect(String(decoding: scrape.body, as: UTF8.self).contains(#"zstack_agent_auth_mode{mode="none"} 1"#))
        }
    }

    @Test func connectionsFromOutsideTheAllowListAreClosedBeforeHTTP() async throws {
        try await RunningAgent.with(try agent { $0.allowFrom = [try SourceAddressRange("10.9.9.0/24")] }) { agent in
            let request = Array("POST /test/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".utf8)
            let outcome = try await RawConnection.exchange(port: agent.port, send: request, within: .seconds(10))
            #expect(outcome.closedByAgent)
            #expect(outcome.received.isEmpty, "not one byte of HTTP for a refused source")
        }
        try await RunningAgent.with(try agent { $0.allowFrom = [try SourceAddressRange("127.0.0.0/8")] }) { agent in
            let reply = try await agent.client.sync("/test/sync", ProbeCommand(value: 3), as: ProbeReply.self)
            #expect(reply.value == 3)
        }
    }

    @Test func allowListEntriesParseAndMatchAsCIDR() throws {
        let range = try SourceAddressRange("192.168.10.0/23")
        #expect(range.description == "192.168.10.0/23")
        #expect(range.covers(try SourceAddressRange("192.168.11.200")))
        #expect(!range.covers(try SourceAddressRange("192.168.12.1")))
        #expect(try SourceAddressRange("fd00::/8").covers(try SourceAddressRange("fd12:3456::1")))
        for bad in ["", "10.0.0.0/33", "example.com", "10.0.0.1/-1", "::/129", "10.0.0.0/8/8", "1.2.3.4\n"] {
            #expect(throws: AgentSecurityError.self, "\(bad.debugDescription)") { try SourceAddressRange(bad) }
        }
    }

    @Test func callbackURLsThatAreNotPlainHTTPAreRefused() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await RunningAgent.with(try agent { $0.callbackTo = [try SourceAddressRange("127.0.0.0/8")] }) { agent in
                for callback in ["http+unix://%2Fvar%2Frun%2Fdocker.sock/containers", "file:///etc/passwd",
                                 "http://user@127.0.0.1:1/x", "http://10.0.0.1:8080/zstack/callback",
                                 "http://mn.example.com/cb", "http://127.0.0.1:99999/x", "ftp://127.0.0.1/x", "//127.0.0.1:1/x"] {
                    let (status, body) = try await agent.client.post("/test/async", body: Array("{}".utf8), headers: [
                        (AgentHeader.taskUUID, UUID().uuidString), (AgentHeader.callbackURL, callback),
                    ])
                    #expect(status == 400, "\(callback)")
                    #expect(String(decoding: body, as: UTF8.self).contains("callbackurl"), "\(callback)")
                }
                // The MN's own callback on loopback, inside --callback-to, still works.
                let reply = try await agent.client.async("/test/async", ProbeCommand(value: 5), as: ProbeReply.self, via: mn)
                #expect(reply.value == 5)
                // An event URL outside the policy is refused in-band and not adopted.
                let refused = try await agent.client.sync("/test/connect", KVM.ConnectCmd(sendCommandUrl: "http+unix://%2Frun%2Fx/y"),
                                                          as: EmptyReply.self)
                #expect(!refused.success && refused.error?.contains("sendCommandUrl") == true)
                #expect(agent.server.events.sendCommandURL == nil)
            }
        }
    }

    @Test func idleConnectionsAreClosedByTheAgent() async throws {
        try await RunningAgent.with(try agent { $0.idleTimeout = .seconds(1) }) { agent in
            // Half a request head, then silence: the slow-loris shape.
            let outcome = try await RawConnection.exchange(port: agent.port, send: Array("POST /test/sync HTTP/1.1\r\nHo".utf8),
                                                           within: .seconds(20))
            #expect(outcome.closedByAgent)
            let silent = try await RawConnection.exchange(port: agent.port, within: .seconds(20))
            #expect(silent.closedByAgent)
        }
    }

    @Test func commandsBeyondTheConcurrencyBoundAreRefusedAtOnce() async throws {
        let gates = Gates()
        try await ManagementNodeEndpoint.run { mn in
            try await RunningAgent.with(try agent({ $0.maxConcurrentSyncCommands = 1; $0.maxConcurrentAsyncCommands = 1 }, gates: gates)) { agent in
                async let held = agent.client.sync("/test/sync", ProbeCommand(value: 1, gate: "sync"), as: ProbeReply.self)
                async let heldAsync = agent.client.async("/test/async", ProbeCommand(value: 2, gate: "async"), as: ProbeReply.self, via: mn)
                await gates.wait("entered:sync")
                await gates.wait("entered:async")
                let sync = try await agent.client.post("/test/sync", body: Array(#"{"value":9}"#.utf8))
                #expect(sync.status == 503)
                #expect(String(decoding: sync.body, as: UTF8.self).contains("1 sync commands are already running"))
                let async = try await agent.client.post("/test/async", body: Array("{}".utf8), headers: [
                    (AgentHeader.taskUUID, UUID().uuidString), (AgentHeader.callbackURL, mn.callbackURL),
                ])
                #expect(async.status == 503)
                #expect(String(decoding: async.body, as: UTF8.self).contains("1 async commands are already running"))
                gates.open("sync")
                gates.open("async")
                #expect(try await held.value == 1)
                #expect(try await heldAsync.value == 2)
                // The slots are handed back: the next commands run.
                #expect(try await agent.client.sync("/test/sync", ProbeCommand(value: 4), as: ProbeReply.self).value == 4)
                #expect(try await agent.client.async("/test/async", ProbeCommand(value: 6), as: ProbeReply.self, via: mn).value == 6)
            }
        }
    }

    @Test func theDefaultBodyCapRefusesBodiesOverEightMiB() async throws {
        // The test configuration raises the cap; put the production default back.
        try await RunningAgent.with(try agent { $0.maxBodyBytes = AgentServerConfiguration(port: 0).maxBodyBytes }) { agent in
            let body = Array(#"{"name":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 9 << 20) + Array(#""}"#.utf8)
            let (status, _) = try await agent.client.post("/test/sync", body: body)
            #expect(status == 413)
        }
    }
}
