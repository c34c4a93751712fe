import TestSupport
import AgentClient
import Foundation
import AgentServer
import AgentWire
import KVMAgent
import Logging
import Testing

@Suite struct HostRestartHTTPTests {
    private func kvmAgent() async throws -> AgentServer {
        // The state directory is private: connect persists the MN version there.
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kvm-state-\(UUID().uuidString)").path
        return try await buildKVMAgent(
            KVMAgentConfiguration(server: .test(), libvirtURI: "test:///default", stateDirectory: state),
            logger: Logger(label: "test.kvm"))
    }

    @Test func echoConnectPingThenRestartForgets() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await RunningAgent.with(try await kvmAgent()) { agent in
                try await agent.client.waitForEcho(timeout: .seconds(60))
                let connect = KVM.ConnectCmd(hostUuid: "4f1d2c9a", sendCommandUrl: mn.sendCommandURL, version: "5.2.0")
                let connected = try await agent.client.sync("/host/connect", connect, as: KVM.ConnectResponse.self)
                #expect(connected.success)
                let ping = try await agent.client.async("/host/ping", KVM.PingCmd(hostUuid: "4f1d2c9a"), as: KVM.PingResponse.self, via: mn)
                #expect(ping.hostUuid == "4f1d2c9a" && ping.version == "5.2.0" && ping.sendCommandUrl == mn.sendCommandURL)
            }
            // A new process knows nothing: that is how the MN notices a restart.
            try await RunningAgent.with(try await kvmAgent()) { agent in
                let ping = try await agent.client.async("/host/ping", KVM.PingCmd(hostUuid: "4f1d2c9a"), as: KVM.PingResponse.self, via: mn)
                #expect(ping.success && ping.hostUuid == nil && ping.version == nil)
            }
        }
    }
}
