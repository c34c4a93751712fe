import HostSystem

/// deip.py's bridge-level ARP rules for one EIP, in the host's ebtables nat table, rendered purely. The
/// EIP namespace takes the VM NIC's gateway address on the VM's bridge, where the real gateway (and other
/// EIPs' namespaces) answer for it too; these rules keep each side to its own:
/// - `<nic>-gw`: the VM's ARP for its gateway is answered with the namespace's MAC, so the VM's traffic
///   goes through its EIP;
/// - `<private outer>-arp`, `<public outer>-arp`: other machines' ARP for the gateway does not reach the
///   namespace; `<nic>-arp`: the VM hears the gateway only from the namespace;
/// - `<private outer>-gw`: the namespace never ARPs on the VM's bridge (it answers itself for the VM).
enum EipEbtables {
    /// The chains of one EIP, by name: the table is shared with every other EIP and with the DHCP rules.
    static func chains(_ names: EipNames, nicName: String) -> [String] {
        ["\(nicName)-gw", "\(names.privateOuter)-gw", "\(names.privateOuter)-arp", "\(names.publicOuter)-arp", "\(nicName)-arp"]
    }

    static func ownership(_ names: EipNames, nicName: String) -> IptablesChainOwnership {
        IptablesChainOwnership(prefixes: [], names: Set(chains(names, nicName: nicName)))
    }

    /// What deleting the EIP leaves: none of its chains, no jump to them.
    static func none(_ names: EipNames, nicName: String) -> IptablesRuleSet {
        IptablesRuleSet(table: "nat", ownership: ownership(names, nicName: nicName))
    }

    /// - Parameter gatewayMAC: the MAC of the namespace's private end, which answers for the gateway.
    static func rules(_ plan: EipPlan, gatewayMAC: String) -> IptablesRuleSet {
        let names = plan.names
        let nic = plan.nicName
        let gateway = "\(plan.nicGateway)"
        var rules = none(names, nicName: nic)
        if plan.isIPv6 {
            // deip.py's IPv6 way (it calls it a hack): the VM's packets for anything beyond its own subnet,
            // link-local and multicast go to the namespace's MAC, whoever the VM thinks its router is.
            let subnet = "\(plan.nicGateway.network(prefixLength: plan.nicPrefix))/\(plan.nicPrefix)"
            for local in [subnet, "fe80::/64", "ff00::/8"] {
                rules.add("\(nic)-gw", "-p IPv6 --ip6-destination \(local) -j ACCEPT")
            }
            rules.add("\(nic)-gw", "-p IPv6 -j dnat --to-destination \(gatewayMAC)")
            rules.jump(from: "PREROUTING", "-i \(nic)", to: "\(nic)-gw")
            return rules
        }
        rules.add("\(nic)-gw", "-p ARP --arp-op Request --arp-ip-dst \(gateway) -j arpreply --arpreply-mac \(gatewayMAC)")
        rules.jump(from: "PREROUTING", "-i \(nic)", to: "\(nic)-gw")
        for device in [names.privateOuter, names.publicOuter] {
            rules.add("\(device)-arp", "-p ARP -o \(device) --arp-op Request --arp-ip-dst \(gateway) --arp-mac-src ! \(plan.nicMac) -j DROP")
            rules.jump(from: "POSTROUTING", "-p ARP -o \(device)", to: "\(device)-arp")
        }
        rules.add("\(nic)-arp", "-p ARP -o \(nic) --arp-op Request --arp-ip-src \(gateway) --arp-mac-src ! \(gatewayMAC) -j DROP")
        rules.jump(from: "POSTROUTING", "-p ARP -o \(nic)", to: "\(nic)-arp")
        let outerGateway = "\(names.privateOuter)-gw"
        rules.add(outerGateway, "-p ARP --arp-op Request --arp-ip-dst \(plan.nicIp) -j arpreply --arpreply-mac \(plan.nicMac)")
        rules.add(outerGateway, "-p ARP --arp-op Request -j DROP")
        rules.jump(from: "PREROUTING", "-i \(names.privateOuter)", to: outerGateway)
        return rules
    }
}
