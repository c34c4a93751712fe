import HostSystem
import AgentWire
import Foundation
import Testing
@testable import VirtualRouterAgent

/// SNAT, EIP, port forwarding and VIPs against real iptables in the lab, checked with real traffic.
@Suite(.serialized) struct NATIntegrationTests {
    typealias Lab = NetnsLab

    /// A router with its NICs configured and the guest addressed statically (DHCP has its own tests).
    static func routedLab(_ lab: Lab) async throws -> VirtualRouter {
        let router = RouterIntegrationTests.router(lab)
        try await RouterIntegrationTests.configureNICs(router)
        try await lab.guestRunner.check(["ip", "addr", "add", "10.0.0.10/24", "dev", "eth0"])
        try await lab.guestRunner.check(["ip", "route", "add", "default", "via", "10.0.0.1"])
        return router
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try WireJSON.decode(type, from: Array(json.utf8))
    }

    static let snat = """
        {"publicNicMac":"\(Lab.publicMAC)","publicIp":"192.168.50.2","privateNicMac":"\(Lab.privateMAC)",
         "privateNicIp":"10.0.0.1","snatNetmask":"255.255.255.0"}
        """
    static let vip = #"{"vips":[{"ip":"192.168.50.10","netmask":"255.255.255.0","ownerEthernetMac":"\#(Lab.publicMAC)"}]}"#

    @Test func snatRewritesGuestTrafficAndRemovalStopsIt() async throws {
        try await Lab.with { lab in
            let router = try await Self.routedLab(lab)
            // The public side has no route to 10.0.0.0/24: without SNAT the guest cannot talk to it.
            #expect(try await TCPProbe.connect(from: lab.guestRunner, to: "192.168.50.100", port: 9000,
                                               listener: lab.publicRunner, timeout: 1) == nil)
            try await router.setSNAT(Self.decode(VR.SetSNATCmd.self, #"{"snat":\#(Self.snat)}"#))
            let nat = try await lab.routerRunner.check(["iptables-save", "-t", "nat"])
            #expect(nat.contains("-A POSTROUTING -j snat-snat-eth1"))
            #expect(nat.contains("-A snat-snat-eth1 -s 10.0.0.0/24 -o eth2 -j SNAT --to-source 192.168.50.2"))
            #expect(try await TCPProbe.connect(from: lab.guestRunner, to: "192.168.50.100", port: 9000,
                                               listener: lab.publicRunner) == "192.168.50.2")
            // Idempotent: the same command again changes nothing.
            try await router.setSNAT(Self.decode(VR.SetSNATCmd.self, #"{"snat":\#(Self.snat)}"#))
            #expect(try await lab.routerRunner.check(["iptables-save", "-t", "nat"]).components(separatedBy: "-j snat-snat-eth1").count == 2)

            try await router.removeSNAT(Self.decode(VR.RemoveSNATCmd.self, #"{"natInfo":[\#(Self.snat)]}"#))
            let after = try await lab.routerRunner.check(["iptables-save"])
            #expect(!after.contains("snat-"))
            #expect(try await TCPProbe.connect(from: lab.guestRunner, to: "192.168.50.100", port: 9000,
                                               listener: lab.publicRunner, timeout: 1) == nil)
        }
    }

    @Test func eipAndPortForwardingReachTheGuest() async throws {
        try await Lab.with { lab in
            let router = try await Self.routedLab(lab)
            try await router.createVIPs(Self.decode(VR.CreateVipCmd.self, Self.vip))
            #expect(try await lab.routerRunner.check(["ip", "addr", "show", "eth2"]).contains("inet 192.168.50.10/24"))

            let forward = #"""
                {"rules":[{"vipPortStart":8000,"vipPortEnd":8000,"privatePortStart":80,"privatePortEnd":80,"protocolType":"TCP",
                  "vipIp":"192.168.50.10","privateIp":"10.0.0.10","privateMac":"52:54:00:00:00:02","allowedCidr":"192.168.50.0/24",
                  "snatInboundTraffic":false}]}
                """#
            try await router.createPortForwardings(Self.decode(VR.CreatePortForwardingRuleCmd.self, forward))
            #expect(try await lab.routerRunner.check(["iptables-save", "-t", "nat"])
                .contains("-A pf-dnat-eth2-TCP-8000 -s 192.168.50.0/24 -d 192.168.50.10/32 -p tcp -m tcp --dport 8000 -j DNAT --to-destination 10.0.0.10:80"))
            #expect(try await TCPProbe.connect(from: lab.publicRunner, to: "192.168.50.10", port: 8000,
                                               listener: lab.guestRunner, listenPort: 80) == "192.168.50.100")
            try await router.revokePortForwardings(Self.decode(VR.RevokePortForwardingRuleCmd.self, forward))
            #expect(!(try await lab.routerRunner.check(["iptables-save"])).contains("pf-"))
            #expect(try await TCPProbe.connect(from: lab.publicRunner, to: "192.168.50.10", port: 8000,
                                               listener: lab.guestRunner, listenPort: 80, timeout: 1) == nil)

            let eip = #"{"eip":{"vipIp":"192.168.50.10","privateMac":"52:54:00:00:00:02","guestIp":"10.0.0.10","snatInboundTraffic":false}}"#
            try await router.createEIP(Self.decode(VR.CreateEipCmd.self, eip))
            #expect(try await TCPProbe.connect(from: lab.publicRunner, to: "192.168.50.10", port: 7000,
                                               listener: lab.guestRunner) == "192.168.50.100")
            // Outbound from the guest leaves with the EIP.
            #expect(try await TCPProbe.connect(from: lab.guestRunner, to: "192.168.50.100", port: 9000,
                                               listener: lab.publicRunner) == "192.168.50.10")
            // sync with an empty set removes it.
            try await router.syncEIPs(VR.SyncEipCmd(eips: []))
            #expect(!(try await lab.routerRunner.check(["iptables-save"])).contains("eip-"))
            #expect(try await TCPProbe.connect(from: lab.publicRunner, to: "192.168.50.10", port: 7000,
                                               listener: lab.guestRunner, timeout: 1) == nil)

            try await router.removeVIPs(Self.decode(VR.RemoveVipCmd.self, Self.vip))
            #expect(!(try await lab.routerRunner.check(["ip", "addr", "show", "eth2"])).contains("192.168.50.10"))
            try await router.removeVIPs(Self.decode(VR.RemoveVipCmd.self, Self.vip))   // idempotent
        }
    }

    @Test func foreignRulesAreKeptAndAFailedRestoreChangesNothing() async throws {
        try await Lab.with { lab in
            let router = try await Self.routedLab(lab)
            try await lab.routerRunner.check(["iptables", "-t", "nat", "-N", "operator-chain"])
            try await lab.routerRunner.check(["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.9.0.0/16", "-j", "operator-chain"])
            try await lab.routerRunner.check(["iptables", "-A", "FORWARD", "-s", "10.9.0.0/16", "-j", "DROP"])
            try await router.setSNAT(Self.decode(VR.SetSNATCmd.self, #"{"snat":\#(Self.snat)}"#))
            try await router.syncSNAT(VR.SyncSNATCmd(snats: []))
            let save = try await lab.routerRunner.check(["iptables-save"])
            #expect(save.contains("-A POSTROUTING -s 10.9.0.0/16 -j operator-chain"))
            #expect(save.contains("-A FORWARD -s 10.9.0.0/16 -j DROP"))
            #expect(!save.contains("snat-"))

            // A nat table the kernel refuses, after a filter table that applies: both stay as they were.
            try await router.setSNAT(Self.decode(VR.SetSNATCmd.self, #"{"snat":\#(Self.snat)}"#))
            let before = try await Self.ourRules(lab)
            var state = await router.state
            state.guardedNICs.insert("eth9")
            var (filter, nat) = IptablesRenderer.render(state)
            nat.add("snat-broken", "-j NO-SUCH-TARGET")
            let applier = IptablesApplier(runner: lab.routerRunner)
            let failure = await #expect(throws: ProcessError.self) {
                try await applier.apply((filter, nat), previous: IptablesRenderer.render(await router.state))
            }
            #expect(failure?.description.contains("iptables-restore --noflush -w` exited with status 2") == true)
            #expect(failure?.standardErrorTail.contains("NO-SUCH-TARGET") == true, "the error says what iptables said")
            #expect(try await Self.ourRules(lab) == before)
            #expect(!before.contains("eth9-in"))
        }
    }

    @Test func invalidCommandAppliesNothing() async throws {
        try await Lab.with { lab in
            let router = try await Self.routedLab(lab)
            let before = try await Self.ourRules(lab)
            let hostile = #"{"rules":[{"vipPortStart":80,"vipPortEnd":80,"privatePortStart":80,"privatePortEnd":80,"protocolType":"TCP","vipIp":"192.168.50.2","privateIp":"10.0.0.10","privateMac":"52:54:00:00:00:02"},{"vipPortStart":80,"vipPortEnd":80,"privatePortStart":80,"privatePortEnd":80,"protocolType":"TCP","vipIp":"192.168.50.2","privateIp":"10.0.0.10 -j ACCEPT; rm -rf /","privateMac":"52:54:00:00:00:02"}]}"#
            let error = await #expect(throws: InvalidField.self) {
                try await router.createPortForwardings(Self.decode(VR.CreatePortForwardingRuleCmd.self, hostile))
            }
            #expect(error?.field == "rules[1].privateIp")
            #expect(try await Self.ourRules(lab) == before)
        }
    }

    /// Every rule line of the router's tables, without the timestamps and counters iptables-save adds.
    static func ourRules(_ lab: Lab) async throws -> [String] {
        try await lab.routerRunner.check(["iptables-save"]).split(separator: "\n")
            .filter { $0.hasPrefix("-") || $0.hasPrefix(":") || $0.hasPrefix("*") }.map(String.init)
    }
}
