import TestSupport
import AgentClient
import AgentServer
import AgentWire
import Logging
import Synchronization
import Testing

/// Keeps every rendered log line, so a test can read what an operator would see in the log file.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger(level: Logger.Level) -> Logger {
        Logger(label: "captured") { _ in Handler(log: self, logLevel: level) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            log.lines.withLock { $0.append("\(event.message) \(all)") }
        }
    }
}

@Suite struct EventsAndLoggingTests {
    @Test func eventsReachTheSendCommandURLWithCommandPath() async throws {
        let server = try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: Gates())], logger: Logger(label: "test"))
        try await ManagementNodeEndpoint.run { mn in
            try await RunningAgent.with(server) { agent in
                let notConnected = try await agent.client.async("/test/notify", ProbeCommand(), as: EmptyReply.self, via: mn)
                #expect(!notConnected.success && notConnected.error?.contains("no management node") == true)
                _ = try await agent.client.sync("/test/connect", KVM.ConnectCmd(sendCommandUrl: mn.sendCommandURL), as: EmptyReply.self)
                let reply = try await agent.client.async("/test/notify", ProbeCommand(value: 11), as: EmptyReply.self, via: mn)
                #expect(reply.success)
                let event = try await mn.nextEvent("/test/happened", timeout: .seconds(5))
                #expect(try event.decode(ProbeCommand.self).value == 11)
            }
        }
    }

    @Test func onlyPOSTIsAccepted() async throws {
        let server = try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: Gates())], logger: Logger(label: "test"))
        try await RunningAgent.with(server) { agent in
            var request = HTTPRequestProbe.get(agent.port, "/test/sync")
            let (status, body) = try await request.send()
            #expect(status == 405)
            #expect(String(decoding: body, as: UTF8.self).contains("accepts POST only"))
        }
    }

    @Test func secretsNeverReachTheLog() async throws {
        let log = CapturedLog()
        let server = try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: Gates())], logger: log.logger(level: .trace))
        try await RunningAgent.with(server) { agent in
            let body = #"{"name":"vm","password":"hunter2","sshKey":"-----BEGIN OPENSSH PRIVATE KEY-----","consolePassword":"vnc-secret"}"#
            _ = try await agent.client.post("/test/sync", body: Array(body.utf8))
        }
        #expect(log.text.contains(#""name":"vm""#), "the body is logged at debug")
        #expect(!log.text.contains("hunter2") && !log.text.contains("BEGIN OPENSSH") && !log.text.contains("vnc-secret"))
    }
}
