import AgentWire
import HostSystem
@testable import KVMAgent
import Testing

/// The pure half of the security groups: a command validated into a plan, rendered into rule text and
/// sets, and the table read back from `iptables-save`, changed and rendered as the rule set to restore.
@Suite struct SecurityGroupRenderingTests {
    static let a = SecurityGroupBodies.groupA

    @Test func rulesRenderAsPythonWritesThemWithTheirSets() throws {
        var command = KVM.ApplySecurityGroupRuleCmd()
        var list = KVM.RuleTO()
        (list.priority, list.type, list.protocol, list.action) = (3, "Ingress", "UDP", "DROP")
        (list.srcIpRange, list.dstPortRange) = ("10.0.0.1,10.0.0.0/24", "53,5000-5010")
        var remote = KVM.RuleTO()
        (remote.priority, remote.type, remote.protocol, remote.action) = (1, "Egress", "ALL", "ACCEPT")
        (remote.remoteGroupUuid, remote.remoteGroupVmIps) = (SecurityGroupBodies.groupB, ["10.0.0.7"])
        command.ruleTOs = [Self.a: [list, remote]]
        let plan = try SecurityGroupPlan(validating: command)
        let rendered = SecurityGroupRuleRenderer.chains(of: try #require(plan.groups[.ipv4]?.first), .ipv4)
        #expect(rendered.chains["sg-4c5d6e7f-in"] == [
            "-m set --match-set sg-4c5d6e7f-in-ipset-3 src -p udp -m multiport --dports 53,5000:5010 -m comment --comment Ingress-priority@3 -j DROP",
            "-j RETURN",
        ])
        #expect(rendered.chains["sg-4c5d6e7f-out"] == [
            "-m state --state NEW -m set --match-set zstack-sg-b0b1b2b3b4b5b6b7b8b dst -m comment --comment Egress-priority@1 -j ACCEPT",
            "-j RETURN",
        ])
        #expect(rendered.sets == [IpsetSet(name: "sg-4c5d6e7f-in-ipset-3", family: .inet, members: ["10.0.0.1", "10.0.0.0/24"]),
                                  IpsetSet(name: "zstack-sg-b0b1b2b3b4b5b6b7b8b", family: .inet, members: ["10.0.0.7"])])
    }

    @Test func theTableKeepsWhatItReadsDropsGoneNicsAndUnusedGroupsAndRebuildsTheDefaultChain() {
        let saved = """
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :sg-default - [0:0]
            :sg-vnic1.0-in - [0:0]
            :sg-vnic9.0-in - [0:0]
            :sg-4c5d6e7f-in - [0:0]
            :sg-0badc0de-in - [0:0]
            :other - [0:0]
            -A FORWARD -j other
            -A FORWARD -m physdev --physdev-is-bridged -j sg-default
            -A sg-default -j DROP
            -A sg-vnic1.0-in -j sg-4c5d6e7f-in
            -A sg-vnic1.0-in -j DROP
            -A sg-vnic9.0-in -j sg-0badc0de-in
            -A sg-4c5d6e7f-in -p tcp -m multiport --dports 22 -j ACCEPT
            -A other -j ACCEPT
            COMMIT
            """
        var table = SecurityGroupTable(family: .ipv4, saved: saved)
        table.removeUnused(presentNICs: ["vnic1.0", "eth0"])
        #expect(table.chains == ["sg-vnic1.0-in": ["-j sg-4c5d6e7f-in", "-j DROP"],
                                 "sg-4c5d6e7f-in": ["-p tcp -m multiport --dports 22 -j ACCEPT"]])
        let rules = table.ruleSet
        #expect(rules.rules == [
            "-A sg-default -m state --state RELATED,ESTABLISHED -j ACCEPT",
            "-A sg-default -p udp -m udp --dport 53 -j ACCEPT",
            "-A sg-default -p udp -m udp --sport 68 --dport 67 -j ACCEPT",
            "-A sg-default -p udp -m udp --sport 67 --dport 68 -j ACCEPT",
            "-A sg-default -m physdev --physdev-out vnic1.0 -j sg-vnic1.0-in",
            "-A sg-default -j ACCEPT",
            "-A sg-4c5d6e7f-in -p tcp -m multiport --dports 22 -j ACCEPT",
            "-A sg-vnic1.0-in -j sg-4c5d6e7f-in",
            "-A sg-vnic1.0-in -j DROP",
            "-A FORWARD -m physdev --physdev-is-bridged -j sg-default",
        ])
        // The restore leaves `other` and FORWARD's jump to it, and deletes the chains no longer wanted.
        let script = IptablesRestoreScript.script(for: rules, currentSave: saved)
        #expect(!script.contains("other"))
        #expect(script.contains("-X sg-vnic9.0-in") && script.contains("-X sg-0badc0de-in"))
    }
}
