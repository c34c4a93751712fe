import AgentWire
import HostSystem
@testable import KVMAgent
import Testing

/// The pure parts of the flat network's EIP and VIP QoS code: the MN's body decoded, deip.py's names, the
/// rendered rules and the reading of `tc` output.
@Suite struct EipRulesTests {
    private func plan(_ edit: (inout KVM.EipTO) -> Void = { _ in }) throws -> EipPlan {
        let json = Array(#"{"eip":\#(EipLab.eipTO(publicBridge: "br_eth0", privateBridge: "br_eth1"))}"#.utf8)
        var eip = try #require(try WireJSON.decode(KVM.EipCmd.self, from: json).eip)
        edit(&eip)
        return try EipPlan(eip, field: "eip")
    }

    @Test func gsonBodyDecodesToEveryEipTOField() throws {
        let plan = try plan()
        #expect(plan.names.namespace == "br_eth0_10_79_0_100")
        #expect([plan.names.publicOuter, plan.names.publicInner, plan.names.privateOuter, plan.names.privateInner]
                == ["c2d3e4f50_eo", "c2d3e4f50_ei", "c2d3e4f50_o", "c2d3e4f50_i"])
        #expect(plan.vipPrefix == 24 && plan.nicPrefix == 24 && "\(plan.vipGateway)" == "10.79.0.1" && "\(plan.nicGateway)" == "192.168.79.1")
        #expect(plan.privateBridge == "br_eth1" && plan.publicBridge == "br_eth0" && plan.nicName == "vnic79.0" && !plan.skipArpCheck)
    }

    @Test func rulesAreDeipChainsOwnedByTheNamespace() throws {
        let plan = try plan()
        let nat = EipRules.nat(plan)
        #expect(nat.chains == ["DNAT-10.79.0.100", "SNAT-10.79.0.100"])
        #expect(nat.rules == [
            "-A DNAT-10.79.0.100 -j DNAT --to-destination 192.168.79.10",
            "-A PREROUTING -d 10.79.0.100/32 -j DNAT-10.79.0.100",
            "-A SNAT-10.79.0.100 -j SNAT --to-source 10.79.0.100",
            "-A POSTROUTING -s 192.168.79.10/32 -j SNAT-10.79.0.100",
        ])
        let filter = EipRules.filter(plan)
        #expect(filter.chains == ["vip-perf", "FWD-10.79.0.100"])
        #expect(filter.rules.contains("-A FORWARD -i c2d3e4f50_ei -j FWD-10.79.0.100"))
        // A former VIP's chains are ours too, so a re-render removes them.
        #expect(filter.owns(chain: "FWD-10.79.0.99") && nat.owns(chain: "SNAT-10.79.0.99") && !nat.owns(chain: "DOCKER"))
    }

    @Test func ebtablesRulesAreThisEipsOnlyAndDeclaredAsEbtablesMakesChains() throws {
        let plan = try plan()
        let rules = EipEbtables.rules(plan, gatewayMAC: "02:00:00:00:00:01")
        #expect(rules.chains == ["vnic79.0-gw", "c2d3e4f50_o-arp", "c2d3e4f50_eo-arp", "vnic79.0-arp", "c2d3e4f50_o-gw"])
        // Another VM NIC's EIP shares the table: its chain and jump are left alone.
        let saved = """
            *nat
            :PREROUTING ACCEPT
            :vnic79.0-gw ACCEPT
            :vnic80.0-gw ACCEPT
            -A PREROUTING -i vnic80.0 -j vnic80.0-gw
            -A PREROUTING -i vnic79.0 -j vnic79.0-gw
            """
        let newChain = IptablesApplier.Frontend.ebtables.newChain
        let apply = IptablesRestoreScript.script(for: rules, currentSave: saved, newChain: newChain)
        #expect(apply.contains(":c2d3e4f50_o-arp ACCEPT\n") && !apply.contains(":vnic79.0-gw ACCEPT"))
        #expect(apply.contains("-D PREROUTING -i vnic79.0 -j vnic79.0-gw\n") && !apply.contains("vnic80.0"))
        let delete = IptablesRestoreScript.script(for: EipEbtables.none(plan.names, nicName: plan.nicName),
                                                  currentSave: saved, newChain: newChain)
        #expect(delete == "*nat\n-D PREROUTING -i vnic79.0 -j vnic79.0-gw\n-F vnic79.0-gw\n-X vnic79.0-gw\nCOMMIT\n")
    }

    @Test func identityNeedsOnlyWhatDetachSends() throws {
        var eip = KVM.EipTO()
        eip.eipUuid = EipLab.eipUuid
        eip.vip = "10.79.0.100"
        eip.nicName = "vnic79.0"
        eip.publicBridgeName = "br_eth0"
        #expect(try EipIdentity(eip, field: "eip").names.namespace == "br_eth0_10_79_0_100")
        #expect(throws: InvalidField.self) { try EipPlan(eip, field: "eip") }
    }

    @Test func tcOutputIsReadAsVipqosPyReadsIt() {
        let filters = """
            filter parent 1: protocol ip pref 1 u32 chain 0
            filter parent 1: protocol ip pref 1 u32 chain 0 fh 800: ht divisor 1
            filter parent 1: protocol ip pref 1 u32 chain 0 fh 800::2 order 2 key ht 800 bkt 0 *flowid 1:2 not_in_hw
              match 00000050/0000ffff at 20
            filter parent 1: protocol ip pref 1 u32 chain 0 fh 800::a order 10 key ht 800 bkt 0 flowid 1:10 not_in_hw
              match 01bb0000/ffff0000 at 20
            """
        #expect(VipQosTCOutput.classIndex(filters, port: 80, source: false) == 2)
        #expect(VipQosTCOutput.classIndex(filters, port: 443, source: true) == 10)
        #expect(VipQosTCOutput.classIndex(filters, port: 443, source: false) == nil)
        let classes = "class htb 1:1 root leaf 8001: prio 0 rate 10737Mbit ceil 10737Mbit burst 0b cburst 0b\nclass htb 1:10 parent 1: leaf 8003: prio 0 rate 1Mbit"
        #expect(VipQosTCOutput.htbClassMinors(classes) == ["1", "10"])
        #expect(VipQosTCOutput.rootIsHTB("qdisc htb 1: root refcnt 2 r2q 10 default 0x1\nqdisc pfifo 8001: parent 1:1"))
        #expect(!VipQosTCOutput.rootIsHTB("qdisc noqueue 0: root refcnt 2"))
    }
}
