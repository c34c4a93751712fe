import HostSystem
import AgentTestSupport
import AgentClient
import AgentServer
import AgentWire
import Foundation
import Logging
import Testing
@testable import VirtualRouterAgent

/// The agent as the MN sees it: real HTTP on loopback, async replies through callbacks, the router's
/// tools running in the lab's router namespace.
@Suite struct HTTPAgentTests {
    static func agent(_ lab: NetnsLab) throws -> AgentServer {
        try buildVirtualRouterAgent(
            VirtualRouterAgentConfiguration(
                server: .init(listenAddress: "127.0.0.1", port: 0, callbackRetryInterval: .milliseconds(100)),
                router: .init(paths: RouterPaths(root: lab.root), runner: lab.routerRunner, haproxyUser: nil)),
            logger: Logger(label: "test.vr"))
    }

    @Test func mnDrivesTheRouterOverHTTP() async throws {
        try await NetnsLab.with { lab in
            try await ManagementNodeEndpoint.run { mn in
                try await RunningAgent.with(try Self.agent(lab)) { agent in
                    let client = agent.client
                    func call<C: Codable & Sendable>(_ path: String, _ json: String, as: C.Type) async throws -> EmptyReply {
                        let command = try WireJSON.decode(C.self, from: Array(json.utf8))
                        return try await client.async(path, command, as: EmptyReply.self, via: mn)
                    }
                    try await client.waitForEcho("/echo", timeout: .seconds(5), interval: .milliseconds(100))
                    var initCmd = VR.InitCommand()
                    initCmd.uuid = "7d9ba2d0"
                    #expect(try await client.async("/init", initCmd, as: VR.InitRsp.self, via: mn).success)
                    #expect(try await client.async("/ping", VR.PingCmd(uuid: "7d9ba2d0"), as: VR.PingRsp.self, via: mn).uuid == "7d9ba2d0")

                    #expect(try await call("/configurenic", """
                        {"nics":[{"ip":"10.0.0.1","mac":"\(NetnsLab.privateMAC)","netmask":"255.255.255.0","isDefaultRoute":false},
                                 {"ip":"192.168.50.2","mac":"\(NetnsLab.publicMAC)","netmask":"255.255.255.0","isDefaultRoute":false}]}
                        """, as: VR.ConfigureNicCmd.self).success)
                    #expect(try await call("/adddhcp", RouterIntegrationTests.guestDHCP, as: VR.AddDhcpEntryCmd.self).success)
                    #expect(try await RouterIntegrationTests.dhcp(lab).contains("inet 10.0.0.10/24"))
                    #expect(try await RouterIntegrationTests.dig(lab, "web-1") == "10.0.0.10")

                    #expect(try await call("/setsnat/", #"{"snat":\#(NATIntegrationTests.snat)}"#, as: VR.SetSNATCmd.self).success)
                    #expect(try await TCPProbe.connect(from: lab.guestRunner, to: "192.168.50.100", port: 9000,
                                                       listener: lab.publicRunner) == "192.168.50.2")

                    // A hostile value: in-band failure naming the field, nothing applied.
                    let before = try await NATIntegrationTests.ourRules(lab)
                    let refused = try await call("/createeip", """
                        {"eip":{"vipIp":"192.168.50.10","privateMac":"52:54:00:00:00:02;reboot","guestIp":"10.0.0.10"}}
                        """, as: VR.CreateEipCmd.self)
                    #expect(!refused.success)
                    #expect(refused.error?.contains("eip.privateMac") == true, "\(refused.error ?? "")")
                    #expect(try await NATIntegrationTests.ourRules(lab) == before)
                }
                // A restarted agent does not know its uuid: the MN re-runs /init.
                try await RunningAgent.with(try Self.agent(lab)) { agent in
                    let ping = try await agent.client.async("/ping", VR.PingCmd(uuid: "7d9ba2d0"), as: VR.PingRsp.self, via: mn)
                    #expect(ping.success && ping.uuid == nil)
                }
            }
        }
    }
}
