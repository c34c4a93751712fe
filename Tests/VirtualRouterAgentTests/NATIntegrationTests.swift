import AgentWire
import Foundation
import TestSupport
import Testing

/// SNAT, EIP, port forwarding and VIPs over HTTP against real iptables in the lab, checked with
/// iptables-save and with real traffic.
@Suite(.serialized) struct NATIntegrationTests {
    typealias VR = RouterAgentHarness

    @Test func snatRewritesGuestTrafficAndRemovalStopsIt() async throws {
        try await VR.with { vr in
            let lab = vr.lab
            try await vr.route()
            // The public side has no route to 10.0.0.0/24: without SNAT the guest cannot talk to it.
            #expect(try await TrafficProbe.connect(from: lab.guest, to: "192.168.50.100", port: 9000,
                                                   listener: lab.publicSide, timeout: 1) == nil)
            try await vr.apply("/setsnat", #"{"snat":\#(VR.snat)}"#)
            let nat = try await lab.router.check(["iptables-save", "-t", "nat"])
            #expect(nat.contains("-A POSTROUTING -j snat-snat-eth1"))
            #expect(nat.contains("-A snat-snat-eth1 -s 10.0.0.0/24 -o eth2 -j SNAT --to-source 192.168.50.2"))
            #expect(try await TrafficProbe.connect(from: lab.guest, to: "192.168.50.100", port: 9000,
                                                   listener: lab.publicSide) == "192.168.50.2")
            // Idempotent: the same command again changes nothing.
            try await vr.apply("/setsnat", #"{"snat":\#(VR.snat)}"#)
            #expect(try await lab.router.check(["iptables-save", "-t", "nat"]).components(separatedBy: "-j snat-snat-eth1").count == 2)

            try await vr.apply("/removesnat", #"{"natInfo":[\#(VR.snat)]}"#)
            #expect(!(try await lab.router.check(["iptables-save"])).contains("snat-"))
            #expect(try await TrafficProbe.connect(from: lab.guest, to: "192.168.50.100", port: 9000,
                                                   listener: lab.publicSide, timeout: 1) == nil)
        }
    }

    @Test func eipAndPortForwardingReachTheGuest() async throws {
        try await VR.with { vr in
            let lab = vr.lab
            try await vr.route()
            try await vr.apply("/createvip", VR.vip)
            #expect(try await lab.router.check(["ip", "addr", "show", "eth2"]).contains("inet 192.168.50.10/24"))

            let forward = #"""
                {"rules":[{"vipPortStart":8000,"vipPortEnd":8000,"privatePortStart":80,"privatePortEnd":80,"protocolType":"TCP",
                  "vipIp":"192.168.50.10","privateIp":"10.0.0.10","privateMac":"52:54:00:00:00:02","allowedCidr":"192.168.50.0/24",
                  "snatInboundTraffic":false}]}
                """#
            try await vr.apply("/createportforwarding", forward)
            #expect(try await lab.router.check(["iptables-save", "-t", "nat"])
                .contains("-A pf-dnat-eth2-TCP-8000 -s 192.168.50.0/24 -d 192.168.50.10/32 -p tcp -m tcp --dport 8000 -j DNAT --to-destination 10.0.0.10:80"))
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: "192.168.50.10", port: 8000,
                                                   listener: lab.guest, listenPort: 80) == "192.168.50.100")
            try await vr.apply("/revokeportforwarding", forward)
            #expect(!(try await lab.router.check(["iptables-save"])).contains("pf-"))
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: "192.168.50.10", port: 8000,
                                                   listener: lab.guest, listenPort: 80, timeout: 1) == nil)

            try await vr.apply("/createeip", #"{"eip":{"vipIp":"192.168.50.10","privateMac":"52:54:00:00:00:02","guestIp":"10.0.0.10","snatInboundTraffic":false}}"#)
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: "192.168.50.10", port: 7000,
                                                   listener: lab.guest) == "192.168.50.100")
            // Outbound from the guest leaves with the EIP.
            #expect(try await TrafficProbe.connect(from: lab.guest, to: "192.168.50.100", port: 9000,
                                                   listener: lab.publicSide) == "192.168.50.10")
            // sync with an empty set removes it.
            try await vr.apply("/synceip", #"{"eips":[]}"#)
            #expect(!(try await lab.router.check(["iptables-save"])).contains("eip-"))
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: "192.168.50.10", port: 7000,
                                                   listener: lab.guest, timeout: 1) == nil)

            try await vr.apply("/removevip", VR.vip)
            #expect(!(try await lab.router.check(["ip", "addr", "show", "eth2"])).contains("192.168.50.10"))
            try await vr.apply("/removevip", VR.vip)   // idempotent
        }
    }

    @Test func foreignRulesAreKeptWhenTheRouterSyncsItsOwn() async throws {
        try await VR.with { vr in
            let lab = vr.lab
            try await vr.route()
            try await lab.router.check(["iptables", "-t", "nat", "-N", "operator-chain"])
            try await lab.router.check(["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.9.0.0/16", "-j", "operator-chain"])
            try await lab.router.check(["iptables", "-A", "FORWARD", "-s", "10.9.0.0/16", "-j", "DROP"])
            try await vr.apply("/setsnat", #"{"snat":\#(VR.snat)}"#)
            try await vr.apply("/syncsnat", #"{"snats":[]}"#)
            let save = try await lab.router.check(["iptables-save"])
            #expect(save.contains("-A POSTROUTING -s 10.9.0.0/16 -j operator-chain"))
            #expect(save.contains("-A FORWARD -s 10.9.0.0/16 -j DROP"))
            #expect(!save.contains("snat-"))
        }
    }

    @Test func invalidCommandAppliesNothing() async throws {
        try await VR.with { vr in
            try await vr.route()
            let before = try await vr.lab.iptablesRules()
            let hostile = #"{"rules":[{"vipPortStart":80,"vipPortEnd":80,"privatePortStart":80,"privatePortEnd":80,"protocolType":"TCP","vipIp":"192.168.50.2","privateIp":"10.0.0.10","privateMac":"52:54:00:00:00:02"},{"vipPortStart":80,"vipPortEnd":80,"privatePortStart":80,"privatePortEnd":80,"protocolType":"TCP","vipIp":"192.168.50.2","privateIp":"10.0.0.10 -j ACCEPT; rm -rf /","privateMac":"52:54:00:00:00:02"}]}"#
            let refused = try await vr.send("/createportforwarding", hostile)
            #expect(!refused.success)
            #expect(refused.error?.contains("rules[1].privateIp") == true, "\(refused.error ?? "")")
            #expect(try await vr.lab.iptablesRules() == before)
        }
    }
}
