import AgentClient
import AgentServer
import AgentWire
import Foundation
import HostSystem
@testable import KVMAgent
import Libvirt
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The side effects of `/host/connect` on the host (iptables, inside a network namespace of our own) and the
/// reaction to losing libvirt.
@Suite("Connect effects and libvirt loss", .timeLimit(.minutes(2)))
struct ConnectEffectsTests {
    @Test("iptablesRules are applied once, however often the MN connects")
    func iptables() async throws {
        let namespace = "zs-ipt-\(UUID().uuidString.prefix(8).lowercased())"
        try await ProcessRunner().run("ip", ["netns", "add", namespace])
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/sbin/ip"), arguments: ["netns", "delete", namespace]).waitUntilExit() }
        let iptables = ["ip", "netns", "exec", namespace, "iptables"]
        let rules = ["-A INPUT -p tcp --dport 7070 -j ACCEPT", "-I INPUT 1 -p udp --dport 123 -j DROP"]
        for _ in 0..<2 {
            try await KVMAgentHarness.with(iptablesCommand: iptables, iptablesRules: rules) { agent in
                #expect(agent.connectReply?.success == true, "\(agent.connectReply?.error ?? "")")
            }
        }
        let listed = try await ProcessRunner().run(iptables[0], Array(iptables.dropFirst()) + ["-w", "-S", "INPUT"]).text
        #expect(listed.split(separator: "\n").filter { $0.contains("--dport 7070") }.count == 1)
        #expect(listed.split(separator: "\n").filter { $0.contains("--dport 123") }.count == 1)

        try await KVMAgentHarness.with(iptablesCommand: iptables, iptablesRules: ["-A INPUT --no-such-option"]) { agent in
            #expect(agent.connectReply?.success == false)
            #expect(agent.connectReply?.error?.contains("--no-such-option") == true)
        }
    }

    @Test("a closed libvirt connection sends /kvm/reconnectme, then calls onLost")
    func reconnectMe() async throws {
        try await ManagementNodeEndpoint.run { mn in
            let server = try AgentServer(configuration: .init(listenAddress: "127.0.0.1", port: 0), routes: [],
                                     logger: Logger(label: "test.reporter"))
            try server.events.setURL(mn.sendCommandURL)
            let identity = HostIdentity()
            identity.update { $0.hostUuid = KVMAgentHarness.hostUuid }
            let (closes, close) = AsyncStream.makeStream(of: ConnectionCloseReason.self)
            let (domainEvents, _) = AsyncStream.makeStream(of: DomainEvent.self)
            let lost = Mutex<[String]>([])
            let reporter = VMStateReporter(domainEvents: domainEvents, closes: closes,
                                           reports: VMEventReports(expected: ExpectedEvents()),
                                           identity: identity, events: server.events,
                                           onLost: { reason in lost.withLock { $0.append(reason) } },
                                           logger: Logger(label: "test.reporter"))
            let group = ServiceGroup(configuration: .init(services: [reporter], logger: Logger(label: "test.reporter")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                close.yield(.endOfFile)
                let event = try await mn.nextEvent("/kvm/reconnectme", timeout: .seconds(30)).decode(KVM.ReconnectMeCmd.self)
                #expect(event.hostUuid == KVMAgentHarness.hostUuid)
                #expect(event.reason?.contains("endOfFile") == true)
                while lost.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
                #expect(lost.withLock { $0.count } == 1)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
