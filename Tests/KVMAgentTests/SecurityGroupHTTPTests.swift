import AgentWire
import Foundation
import TestSupport
import Testing

/// The `/securitygroup/*` routes through real HTTP against a host namespace with a bridge and two guests:
/// real iptables, ip6tables and ipset, real TCP connections between the guests. Serialized: each test
/// builds three namespaces and sends timed-out probes, on two shared cores.
@Suite(.serialized) struct SecurityGroupHTTPTests {
    typealias Bodies = SecurityGroupBodies
    static let a = Bodies.groupA
    static let b = Bodies.groupB
    static let inA = "sg-4c5d6e7f-in"

    /// Both NICs in group A, whose one ingress rule lets the lab's network reach TCP 8080; NIC policy DENY.
    static let port8080 = Bodies.apply(
        nics: [Bodies.nic(0, groups: [a: 1]), Bodies.nic(1, groups: [a: 1])],
        rules: [a: [Bodies.rule(priority: 1, ports: "8080", peer: "10.80.0.0/24"), Bodies.rule(priority: 2, protocol: "ICMP")]])

    @Test func anAllowedPortConnectsAndADeniedOneDoesNot() async throws {
        try await SecurityGroupLab.with { lab in
            let reply = try await lab.send(KVM.Path.applySecurityGroupRules, Self.port8080)
            #expect(reply.success, "\(reply.error ?? "")")
            #expect(try await lab.guest1Connects(port: 8080))
            #expect(try await !lab.guest1Connects(port: 8081))
            // The refused connection was dropped by vnic2.0's policy, not lost elsewhere.
            let counted = try await lab.host.check(["iptables-save", "-c", "-t", "filter"])
            let drop = try #require(counted.split(separator: "\n").first { $0.hasSuffix("-A sg-vnic2.0-in -j DROP") })
            #expect(!drop.hasPrefix("[0:"), "\(drop)")

            let lines = try await lab.saveLines()
            for line in ["-A FORWARD -m physdev --physdev-is-bridged -j sg-default",
                         "-A sg-default -m state --state RELATED,ESTABLISHED -j ACCEPT",
                         "-A sg-default -m physdev --physdev-out vnic2.0 -j sg-vnic2.0-in",
                         "-A sg-default -m physdev --physdev-in vnic2.0 -j sg-vnic2.0-out",
                         "-A sg-default -j ACCEPT",
                         "-A sg-vnic2.0-in -j \(Self.inA)", "-A sg-vnic2.0-out -j sg-4c5d6e7f-out", "-A sg-vnic2.0-out -j RETURN",
                         #"-A \#(Self.inA) -s 10.80.0.0/24 -p tcp -m multiport --dports 8080 -m comment --comment "Ingress-priority@1" -j ACCEPT"#,
                         #"-A \#(Self.inA) -p icmp -m comment --comment "Ingress-priority@2" -j ACCEPT"#,
                         "-A \(Self.inA) -j RETURN"] {
                #expect(lines.contains(line), "missing \(line)")
            }
            // IPv4-only NICs get no ip6tables chains; the default chain is there, as Python makes it.
            let lines6 = try await lab.saveLines(ipv6: true)
            #expect(lines6.contains("-A sg-default -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT"))
            #expect(!lines6.contains { $0.contains("vnic") })

            let before = try await lab.save()
            let again = try await lab.send(KVM.Path.applySecurityGroupRules, Self.port8080)
            #expect(again.success)
            #expect(try await lab.save() == before, "applying the same rules twice changes nothing")
            try await lab.expectForeignRulesKept("apply")
        }
    }

    @Test func updateGroupMemberChangesWhoMayConnectAndNoChain() async throws {
        try await SecurityGroupLab.with { lab in
            let remote = Bodies.apply(
                nics: [Bodies.nic(0, groups: [Self.a: 1]), Bodies.nic(1, groups: [Self.a: 1])],
                rules: [Self.a: [Bodies.rule(priority: 1, ports: "8080", remoteGroup: Self.b, members: ["10.80.0.1"])]])
            #expect(try await lab.send(KVM.Path.applySecurityGroupRules, remote).success)
            let set = "zstack-sg-b0b1b2b3b4b5b6b7b8b"
            #expect(try await lab.ipsets()[set] == ["10.80.0.1"])
            #expect(try await lab.guest1Connects(port: 8080))

            let rules = try await lab.save()
            let rules6 = try await lab.save(ipv6: true)
            let moved = try await lab.send(KVM.Path.updateSecurityGroupMembers, Bodies.members(Self.b, ips: ["10.80.0.3"]))
            #expect(moved.success, "\(moved.error ?? "")")
            #expect(try await lab.ipsets()[set] == ["10.80.0.3"])
            let (rulesNow, rules6Now) = (try await lab.save(), try await lab.save(ipv6: true))
            #expect(rulesNow == rules && rules6Now == rules6, "a member update touches no chain")
            #expect(try await !lab.guest1Connects(port: 8080), "guest 1 is no longer a member of group B")

            let back = try await lab.send(KVM.Path.updateSecurityGroupMembers,
                                          Bodies.members(Self.b, ips: ["10.80.0.1", "10.80.0.3"], ip6s: ["fd80::1"]))
            #expect(back.success)
            #expect(try await lab.ipsets()["zstack-sg6-b0b1b2b3b4b5b6b7b8b"] == ["fd80::1"])
            #expect(try await lab.guest1Connects(port: 8080))

            // A connection guest 1 holds is cut when it leaves the group, not left to live on as established.
            let survived = try await lab.heldConnectionSurvives(port: 8080) {
                let left = try await lab.send(KVM.Path.updateSecurityGroupMembers, Bodies.members(Self.b, ips: ["10.80.0.3"]))
                #expect(left.success)
            }
            #expect(!survived, "the established flow of a removed member goes on")
            #expect(try await lab.send(KVM.Path.updateSecurityGroupMembers, Bodies.members(Self.b, ips: ["10.80.0.1"])).success)
            let stayed = try await lab.heldConnectionSurvives(port: 8080) {
                let kept = try await lab.send(KVM.Path.updateSecurityGroupMembers, Bodies.members(Self.b, ips: ["10.80.0.1"]))
                #expect(kept.success)
            }
            #expect(stayed, "a member that stays keeps its connection")

            let deleted = try await lab.send(KVM.Path.updateSecurityGroupMembers,
                                             Bodies.members(Self.b, ips: [], actionCode: "deleteGroup"))
            #expect(deleted.success, "\(deleted.error ?? "")")
            #expect(try await !lab.save().contains("--match-set"), "the deleted group's rule goes")
            #expect(try await lab.ipsets()[set] == nil)
            #expect(try await !lab.guest1Connects(port: 8080))
            try await lab.expectForeignRulesKept("updategroupmember")
        }
    }

    @Test func refreshReplacesAllCleanupRemovesGoneNicsCheckDefaultsRestores() async throws {
        try await SecurityGroupLab.with { lab in
            let listed = Bodies.apply(
                nics: [Bodies.nic(0, groups: [Self.a: 1]), Bodies.nic(1, groups: [Self.a: 1])],
                rules: [Self.a: [Bodies.rule(priority: 1, ports: "8080,9000-9010", peer: "10.80.0.1,10.80.0.5"),
                                 Bodies.rule(priority: 2, type: "Egress", protocol: "UDP", ports: "53", peer: "10.80.0.1-10.80.0.9")]])
            let applied = try await lab.send(KVM.Path.applySecurityGroupRules, listed)
            #expect(applied.success, "\(applied.error ?? "")")
            #expect(try await lab.ipsets()["sg-4c5d6e7f-in-ipset-1"] == ["10.80.0.1", "10.80.0.5"])
            let lines = try await lab.saveLines()
            #expect(lines.contains(#"-A \#(Self.inA) -p tcp -m set --match-set sg-4c5d6e7f-in-ipset-1 src -m multiport --dports 8080,9000:9010 -m comment --comment "Ingress-priority@1" -j ACCEPT"#))
            #expect(lines.contains(#"-A sg-4c5d6e7f-out -p udp -m iprange --dst-range 10.80.0.1-10.80.0.9 -m multiport --dports 53 -m comment --comment "Egress-priority@2" -j ACCEPT"#))
            #expect(try await lab.guest1Connects(port: 9005))

            let refresh = Bodies.apply(nics: [Bodies.nic(0, groups: [Self.b: 1], ingressPolicy: "ALLOW")],
                                       rules: [Self.b: [Bodies.rule(priority: 1, protocol: "ALL")]])
            let refreshed = try await lab.send(KVM.Path.refreshSecurityGroupRulesOnHost, refresh)
            #expect(refreshed.success, "\(refreshed.error ?? "")")
            let after = try await lab.saveLines()
            #expect(!after.contains { $0.contains("vnic2.0") || $0.contains("sg-4c5d6e7f") }, "refresh drops what it does not name")
            #expect(after.contains(#"-A sg-b0b1b2b3-in -m comment --comment "Ingress-priority@1" -j ACCEPT"#))
            #expect(after.contains("-A sg-vnic1.0-in -j RETURN"))
            #expect(try await lab.ipsets()["sg-4c5d6e7f-in-ipset-1"] == nil, "the unused set is destroyed")

            try await lab.host.ip(["link", "delete", "vnic1.0"])
            let cleaned = try await lab.send(KVM.Path.cleanupUnusedSecurityGroupRules, Bodies.host())
            #expect(cleaned.success, "\(cleaned.error ?? "")")
            let left = try await lab.saveLines()
            #expect(!left.contains { $0.contains("vnic1.0") || $0.contains("sg-b0b1b2b3") })
            #expect(left.contains("-A FORWARD -m physdev --physdev-is-bridged -j sg-default"))

            let defaults = try await lab.save()
            try await lab.host.check(["iptables", "-D", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "-j", "sg-default"])
            try await lab.host.check(["iptables", "-F", "sg-default"])
            let checked = try await lab.send(KVM.Path.checkDefaultSecurityGroupRules, Bodies.host())
            #expect(checked.success, "\(checked.error ?? "")")
            #expect(try await lab.save() == defaults, "the default chain and its jump are back")
            try await lab.expectForeignRulesKept("refresh, cleanup and checkdefault")
        }
    }

    @Test func ipv6RulesFilterIPv6Traffic() async throws {
        try await SecurityGroupLab.with { lab in
            let body = Bodies.apply(
                nics: [Bodies.nic(0, groups: [Self.a: 1], ipv6: true), Bodies.nic(1, groups: [Self.a: 1], ipv6: true)],
                rules: [Self.a: []],
                ip6Rules: [Self.a: [Bodies.rule(priority: 1, ports: "8080", peer: "fd80::/64", ipVersion: 6)]])
            let reply = try await lab.send(KVM.Path.applySecurityGroupRules, body)
            #expect(reply.success, "\(reply.error ?? "")")
            #expect(try await lab.guest1Connects(port: 8080, ipv6: true))
            #expect(try await !lab.guest1Connects(port: 8081, ipv6: true))
            #expect(try await !lab.guest1Connects(port: 8080), "IPv4 group A has no rules: the NIC's DENY decides")
            let lines6 = try await lab.saveLines(ipv6: true)
            #expect(lines6.contains(#"-A \#(Self.inA) -s fd80::/64 -p tcp -m multiport --dports 8080 -m comment --comment "Ingress-priority@1" -j ACCEPT"#))
            #expect(lines6.contains("-A sg-vnic2.0-in -j DROP"))
            #expect(try await lab.saveLines().contains(":\(Self.inA) - [0:0]"), "an IPv4 group without rules is an empty chain")
            try await lab.expectForeignRulesKept("ipv6 apply")
        }
    }

    @Test func everyRuleKindIsRenderedAsPythonNamesItAndARefreshOfItChangesNothing() async throws {
        try await SecurityGroupLab.with { lab in
            let reply = try await lab.send(KVM.Path.applySecurityGroupRules, Bodies.everyRuleKind)
            #expect(reply.success, "\(reply.error ?? "")")
            let lines = try await lab.saveLines()
            for line in [#"-A \#(Self.inA) -s 10.0.0.0/24 -p tcp -m multiport --dports 22,8000:8080 -m comment --comment "Ingress-priority@1" -j ACCEPT"#,
                         #"-A sg-4c5d6e7f-out -p udp -m set --match-set sg-4c5d6e7f-out-ipset-2 dst -m multiport --dports 53 -m comment --comment "Egress-priority@2" -j DROP"#,
                         #"-A sg-5e6f7a8b-in -p icmp -m state --state NEW -m set --match-set zstack-sg-5e6f7a8b9c0d4e1f8a2 src -m comment --comment "Ingress-priority@1" -j ACCEPT"#,
                         "-A sg-vnic2.0-in -j \(Self.inA)", "-A sg-vnic2.0-in -j sg-5e6f7a8b-in", "-A sg-vnic2.0-in -j DROP"] {
                #expect(lines.contains(line), "missing \(line)")
            }
            let lines6 = try await lab.saveLines(ipv6: true)
            #expect(lines6.contains(#"-A \#(Self.inA) -m iprange --src-range fd00::1-fd00::9 -m comment --comment "Ingress-priority@1" -j ACCEPT"#))
            #expect(lines6.contains(":sg-5e6f7a8b-in - [0:0]") && lines6.contains("-A sg-vnic2.0-in -j sg-5e6f7a8b-in"),
                    "a group with no IPv6 rules is an empty chain the NIC still passes through")
            let sets = try await lab.ipsets()
            #expect(sets["sg-4c5d6e7f-out-ipset-2"] == ["10.0.0.1", "10.0.0.9"] && sets["zstack-sg-5e6f7a8b9c0d4e1f8a2"] == ["10.80.0.2"])

            let (before, before6) = (try await lab.save(), try await lab.save(ipv6: true))
            let refreshed = try await lab.send(KVM.Path.refreshSecurityGroupRulesOnHost, Bodies.everyRuleKind)
            #expect(refreshed.success, "\(refreshed.error ?? "")")
            let (after, after6) = (try await lab.save(), try await lab.save(ipv6: true))
            #expect(after == before && after6 == before6, "a refresh with what is applied changes nothing")
            #expect(try await lab.ipsets() == sets)
        }
    }

    @Test func hostileBodiesAreRefusedNamingTheFieldWithNothingApplied() async throws {
        try await SecurityGroupLab.with { lab in
            #expect(try await lab.send(KVM.Path.applySecurityGroupRules, Self.port8080).success)
            let before = (try await lab.save(), try await lab.save(ipv6: true), try await lab.ipsets())
            let good = Bodies.nic(1, groups: [Self.b: 1])
            func apply(_ nic: String, _ rule: String = Bodies.rule(priority: 1, ports: "22")) -> String {
                Bodies.apply(nics: [good, nic], rules: [Self.b: [Bodies.rule(priority: 1, protocol: "ALL"), rule]])
            }
            let a = Bodies.nic(0, groups: [Self.b: 1])
            let field = "ruleTOs.\(Self.b)[1]"
            let cases: [(String, String, String)] = [
                (KVM.Path.applySecurityGroupRules, apply(a.replacingOccurrences(of: "vnic1.0", with: "vnic1.0;reboot")), "vmNicTOs[1].internalName"),
                (KVM.Path.applySecurityGroupRules, apply(a.replacingOccurrences(of: "vnic1.0", with: "eth0")), "vmNicTOs[1].internalName"),
                (KVM.Path.applySecurityGroupRules, apply(a.replacingOccurrences(of: "10.80.0.1", with: "10.80.0.256")), "vmNicTOs[1].vmNicIps[0]"),
                (KVM.Path.applySecurityGroupRules, apply(a.replacingOccurrences(of: "DENY", with: "DENY -j ACCEPT")), "vmNicTOs[1].ingressPolicy"),
                (KVM.Path.applySecurityGroupRules, apply(a.replacingOccurrences(of: "applyChain", with: "flushAll")), "vmNicTOs[1].actionCode"),
                (KVM.Path.applySecurityGroupRules, apply(a.replacingOccurrences(of: Self.b, with: "../../etc")), "vmNicTOs[1].securityGroupRefs key"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, ports: "22", peer: "10.0.0.0/8 -j ACCEPT")), "\(field).srcIpRange"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, ports: "22\\n-A INPUT -j DROP")), "\(field).dstPortRange"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, ports: "1-100000")), "\(field).dstPortRange"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, protocol: "ICMP", ports: "22")), "\(field).dstPortRange"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, protocol: "GRE")), "\(field).protocol"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, action: "LOG")), "\(field).action"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, ipVersion: 6)), "\(field).ipVersion"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: -1)), "\(field).priority"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, type: "Forward")), "\(field).type"),
                (KVM.Path.applySecurityGroupRules, apply(a, Bodies.rule(priority: 1, remoteGroup: Self.a, members: ["1.2.3.4 -j"])),
                 "\(field).remoteGroupVmIps[0]"),
                (KVM.Path.refreshSecurityGroupRulesOnHost,
                 Bodies.apply(nics: [good], rules: [:], ip6Rules: [Self.a: [Bodies.rule(priority: 1, peer: "fd80::1%eth0", ipVersion: 6)]]),
                 "ip6RuleTOs.\(Self.a)[0].srcIpRange"),
                (KVM.Path.refreshSecurityGroupRulesOnHost, Bodies.apply(nics: [good], rules: ["sg-default": []]), "ruleTOs key"),
                (KVM.Path.refreshSecurityGroupRulesOnHost,
                 Bodies.apply(nics: [good], rules: [Self.a: [], "4c5d6e7f000000000000000000000000": []]), "ruleTOs key"),
                (KVM.Path.updateSecurityGroupMembers, Bodies.members(Self.b, ips: ["1.2.3.4\\nflush"]), "updateGroupTOs[0].securityGroupVmIps[0]"),
                (KVM.Path.updateSecurityGroupMembers, Bodies.members(Self.b, ips: [], ip6s: ["10.0.0.1"]), "updateGroupTOs[0].securityGroupVmIp6s[0]"),
                (KVM.Path.updateSecurityGroupMembers, Bodies.members("zstack", ips: []), "updateGroupTOs[0].securityGroupUuid"),
                (KVM.Path.updateSecurityGroupMembers, Bodies.members(Self.b, ips: [], actionCode: "destroyAll"), "updateGroupTOs[0].actionCode"),
            ]
            for (path, body, expected) in cases {
                let reply = try await lab.send(path, body)
                #expect(!reply.success && reply.error?.contains(expected) == true, "\(expected): \(reply.error ?? "accepted")")
            }
            let (after, after6) = (try await lab.save(), try await lab.save(ipv6: true))
            #expect(after == before.0 && after6 == before.1, "refused commands change no rule")
            #expect(try await lab.ipsets() == before.2, "refused commands change no set")
            #expect(try await lab.guest1Connects(port: 8080), "the rules in force still work")
        }
    }
}
