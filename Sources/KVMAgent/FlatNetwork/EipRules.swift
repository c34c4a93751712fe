import HostSystem

/// The iptables rules of one EIP's namespace, rendered purely from its plan: deip.py's chains, so
/// `iptables-save` inside the namespace reads as it does on a Python host.
///
/// One difference: deip.py also puts a bare `FORWARD ! -d <nic>/32 -i <public> -j REJECT` in the built-in
/// chain. A rule we own must sit in a chain we own for `IptablesRestoreScript` to replace it rather than
/// add it again, so that REJECT is the first rule of `FWD-<vip>`, and traffic in from the public side
/// jumps there whatever its way out (deip.py's `-i <public> -o <private>` jump, widened): the same packets
/// are rejected and accepted as on a Python host.
enum EipRules {
    /// The filter table (`ip6tables` for an IPv6 EIP: the same chains, /128 and an ICMPv6 reject).
    static func filter(_ plan: EipPlan) -> IptablesRuleSet {
        let names = plan.names
        let nic = "\(plan.nicIp)/\(plan.nicIp.bits)"
        let subnet = "\(plan.nicIp.network(prefixLength: plan.nicPrefix))/\(plan.nicPrefix)"
        let reject = plan.isIPv6 ? "icmp6-addr-unreachable" : "icmp-port-unreachable"
        var rules = IptablesRuleSet(table: "filter", ownership: EipNames.ownership)
        rules.add(EipNames.perfChain, "-s \(nic) -j RETURN")
        rules.add(EipNames.perfChain, "-d \(nic) -j RETURN")
        rules.jump(from: "FORWARD", "-s \(nic) ! -d \(subnet)", to: EipNames.perfChain)
        rules.jump(from: "FORWARD", "! -s \(subnet) -d \(nic)", to: EipNames.perfChain)
        rules.add(names.forwardChain, "! -d \(nic) -i \(names.publicInner) -j REJECT --reject-with \(reject)")
        rules.add(names.forwardChain, "-j ACCEPT")
        rules.jump(from: "FORWARD", "-i \(names.privateInner) -o \(names.publicInner)", to: names.forwardChain)
        rules.jump(from: "FORWARD", "-i \(names.publicInner)", to: names.forwardChain)
        return rules
    }

    static func nat(_ plan: EipPlan) -> IptablesRuleSet {
        let names = plan.names
        var rules = IptablesRuleSet(table: "nat", ownership: EipNames.ownership)
        rules.add(names.dnatChain, "-j DNAT --to-destination \(plan.nicIp)")
        rules.jump(from: "PREROUTING", "-d \(plan.vip)/\(plan.vip.bits)", to: names.dnatChain)
        rules.add(names.snatChain, "-j SNAT --to-source \(plan.vip)")
        rules.jump(from: "POSTROUTING", "-s \(plan.nicIp)/\(plan.nicIp.bits)", to: names.snatChain)
        return rules
    }
}
