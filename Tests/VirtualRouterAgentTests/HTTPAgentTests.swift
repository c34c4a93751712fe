import AgentClient
import AgentWire
import TestSupport
import Testing

/// The MN's handshake and a day-one sequence over HTTP: echo, /init, /ping, NICs without a default
/// route, DHCP, SNAT, a hostile value refused in-band, and a restarted agent that has forgotten its uuid.
@Suite struct HTTPAgentTests {
    @Test func mnDrivesTheRouterOverHTTP() async throws {
        try await NetnsLab.with { lab in
            try await ManagementNodeEndpoint.run { mn in
                try await RunningAgent.with(try RouterAgentHarness.agent(lab)) { agent in
                    let vr = RouterAgentHarness(lab: lab, client: agent.client, mn: mn)
                    try await vr.client.waitForEcho("/echo", timeout: .seconds(5), interval: .milliseconds(100))
                    try await vr.apply("/init", #"{"uuid":"7d9ba2d0"}"#)
                    let ping = try await vr.client.async("/ping", VR.PingCmd(uuid: "7d9ba2d0"), as: VR.PingRsp.self, via: mn)
                    #expect(ping.uuid == "7d9ba2d0")

                    try await vr.apply("/configurenic", """
                        {"nics":[{"ip":"10.0.0.1","mac":"\(NetnsLab.privateMAC)","netmask":"255.255.255.0","isDefaultRoute":false},
                                 {"ip":"192.168.50.2","mac":"\(NetnsLab.publicMAC)","netmask":"255.255.255.0","isDefaultRoute":false}]}
                        """)
                    try await vr.apply("/adddhcp", RouterAgentHarness.guestDHCP)
                    #expect(try await lab.dhcp().contains("inet 10.0.0.10/24"))
                    #expect(try await lab.dig("web-1") == "10.0.0.10")

                    try await vr.apply("/setsnat", #"{"snat":\#(RouterAgentHarness.snat)}"#)
                    #expect(try await TrafficProbe.connect(from: lab.guest, to: "192.168.50.100", port: 9000,
                                                           listener: lab.publicSide) == "192.168.50.2")

                    // A hostile value: in-band failure naming the field, nothing applied.
                    let before = try await lab.iptablesRules()
                    let refused = try await vr.send("/createeip", """
                        {"eip":{"vipIp":"192.168.50.10","privateMac":"52:54:00:00:00:02;reboot","guestIp":"10.0.0.10"}}
                        """)
                    #expect(!refused.success)
                    #expect(refused.error?.contains("eip.privateMac") == true, "\(refused.error ?? "")")
                    #expect(try await lab.iptablesRules() == before)
                }
                // A restarted agent does not know its uuid: the MN re-runs /init.
                try await RunningAgent.with(try RouterAgentHarness.agent(lab)) { agent in
                    let ping = try await agent.client.async("/ping", VR.PingCmd(uuid: "7d9ba2d0"), as: VR.PingRsp.self, via: mn)
                    #expect(ping.success && ping.uuid == nil)
                }
            }
        }
    }
}
