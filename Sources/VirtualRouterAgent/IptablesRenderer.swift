import HostSystem

/// Renders the filter and nat rules for a `RouterState`, with ZStack's chain names so that an MN
/// operator reading `iptables-save` finds what the Python agent would have made. Rules inside shared
/// chains carry their own match (VIP, guest) so that two EIPs on the same NIC pair cannot capture each
/// other's traffic, which the Python agent's shared chains allow.
public enum IptablesRenderer {
    public static func render(_ state: RouterState) -> (filter: IptablesRuleSet, nat: IptablesRuleSet) {
        var filter = IptablesRuleSet(table: "filter", ownership: .virtualRouter)
        var nat = IptablesRuleSet(table: "nat", ownership: .virtualRouter)
        // Jump order matters inside built-in chains: load-balancer accepts before the NIC's REJECT, and
        // per-guest SNAT (EIP) before the network-wide SNAT.
        for listener in state.listeners.values.sorted(by: { $0.name < $1.name }) {
            let chain = "lb-\(listener.vip.description.replacingDots)-\(listener.loadBalancerPort)"
            filter.jump(from: "INPUT", "-d \(listener.vip)/32", to: chain)
            filter.add(chain, "-p tcp -m tcp --dport \(listener.loadBalancerPort) -j ACCEPT")
        }
        for nic in state.guardedNICs.sorted() { addInputChain(nic, to: &filter) }
        for eip in state.eips.values.sorted(by: { $0.vip < $1.vip }) { add(eip, filter: &filter, nat: &nat) }
        for rule in state.portForwards.values.sorted(by: { ($0.vip, $0.transport, $0.vipPorts.lowerBound) < ($1.vip, $1.transport, $1.vipPorts.lowerBound) }) {
            add(rule, filter: &filter, nat: &nat)
        }
        for snat in state.snats.values.sorted(by: { $0.privateNIC < $1.privateNIC }) {
            add(snat, filter: &filter, nat: &nat)
        }
        return (filter, nat)
    }

    public static func eipChain(_ kind: String, vipNIC: String, privateNIC: String) -> String {
        let name = "eip-\(kind)-\(vipNIC)-\(privateNIC)"
        return name.count >= 28 ? String(name.prefix(26)) : name
    }

    public static func portForwardChain(_ kind: String, vipNIC: String, transport: String, port: Int) -> String {
        let name = "pf-\(kind)-\(vipNIC)-\(transport)-\(port)"
        return name.count >= 28 ? String(name.prefix(27)) : name
    }

    private static func addInputChain(_ nic: String, to filter: inout IptablesRuleSet) {
        let chain = "\(nic)-in"
        filter.jump(from: "INPUT", "-i \(nic)", to: chain)
        for rule in [
            "-m state --state RELATED,ESTABLISHED -j ACCEPT",
            "-p udp -m udp --sport 68 --dport 67 -j ACCEPT",
            "-p udp -m udp --sport 67 --dport 68 -j ACCEPT",
            "-p udp -m udp --dport 53 -j ACCEPT",
            "-p tcp -m tcp --dport 53 -j ACCEPT",
            "-p icmp -j ACCEPT",
            "-p tcp -m tcp --dport 22 -m state --state NEW -j ACCEPT",
            "-j REJECT --reject-with icmp-host-prohibited",
        ] { filter.add(chain, rule) }
    }

    private static func add(_ eip: EIPRule, filter: inout IptablesRuleSet, nat: inout IptablesRuleSet) {
        let name = { (kind: String) in eipChain(kind, vipNIC: eip.vipNIC, privateNIC: eip.privateNIC) }
        nat.jump(from: "PREROUTING", "-d \(eip.vip)/32", to: name("dnat"))
        nat.add(name("dnat"), "-d \(eip.vip)/32 -j DNAT --to-destination \(eip.guestIP)")
        nat.jump(from: "POSTROUTING", "-s \(eip.guestIP)/32", to: name("snat"))
        nat.add(name("snat"), "-s \(eip.guestIP)/32 -j SNAT --to-source \(eip.vip)")
        if let gateway = eip.inboundSource {
            nat.jump(from: "POSTROUTING", "-d \(eip.guestIP)/32", to: name("snat-gw"))
            nat.add(name("snat-gw"), "-d \(eip.guestIP)/32 -j SNAT --to-source \(gateway)")
        }
        addForward(name("fwd"), eip.vipNIC, eip.privateNIC, to: &filter)
    }

    private static func add(_ rule: PortForwardRule, filter: inout IptablesRuleSet, nat: inout IptablesRuleSet) {
        let name = { (kind: String) in
            portForwardChain(kind, vipNIC: rule.vipNIC, transport: rule.transport, port: rule.vipPorts.lowerBound)
        }
        let proto = rule.transport.lowercased()
        let vipPorts = "\(rule.vipPorts.lowerBound):\(rule.vipPorts.upperBound)"
        let privatePorts = "\(rule.privatePorts.lowerBound)-\(rule.privatePorts.upperBound)"
        nat.jump(from: "PREROUTING", "-d \(rule.vip)/32 -p \(proto) -m \(proto)", to: name("dnat"))
        let source = rule.allowedCIDR.map { "-s \($0) " } ?? ""
        nat.add(name("dnat"), "\(source)-d \(rule.vip)/32 -p \(proto) -m \(proto) --dport \(vipPorts) "
            + "-j DNAT --to-destination \(rule.privateIP):\(privatePorts)")
        if let gateway = rule.inboundSource {
            let ports = "\(rule.privatePorts.lowerBound):\(rule.privatePorts.upperBound)"
            nat.jump(from: "POSTROUTING", "-d \(rule.privateIP)/32 -p \(proto) -m \(proto) --dport \(ports)",
                     to: name("snat-gw"))
            nat.add(name("snat-gw"), "-d \(rule.privateIP)/32 -j SNAT --to-source \(gateway)")
        }
        addForward(name("fwd"), rule.vipNIC, rule.privateNIC, to: &filter)
    }

    private static func add(_ snat: SNATRule, filter: inout IptablesRuleSet, nat: inout IptablesRuleSet) {
        let chain = "snat-snat-\(snat.privateNIC)"
        nat.jump(from: "POSTROUTING", "", to: chain)
        let source = snat.privateNetwork.map { "-s \($0) " } ?? ""
        nat.add(chain, "\(source)-o \(snat.publicNIC) -j SNAT --to-source \(snat.publicIP)")
        let forward = "snat-fwd-\(snat.privateNIC)"
        addForward(forward, snat.publicNIC, snat.privateNIC, to: &filter)
        filter.jump(from: "FORWARD", "-i \(snat.privateNIC) -o \(snat.privateNIC)", to: forward)
    }

    private static func addForward(_ chain: String, _ a: String, _ b: String, to filter: inout IptablesRuleSet) {
        filter.jump(from: "FORWARD", "-i \(a) -o \(b)", to: chain)
        filter.jump(from: "FORWARD", "-i \(b) -o \(a)", to: chain)
        filter.add(chain, "-j ACCEPT")
    }
}

extension String {
    var replacingDots: String { String(map { $0 == "." ? "-" : $0 }) }
}

extension IptablesChainOwnership {
    /// ZStack's virtual-router chain prefixes, and the per-NIC `<nic>-in` chains.
    public static let virtualRouter = IptablesChainOwnership(prefixes: ["snat-", "eip-", "pf-", "lb-"], suffixes: ["-in"])
}
