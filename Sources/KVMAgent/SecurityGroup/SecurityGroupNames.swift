import HostSystem

/// The names the Python agent gives its chains and ipsets (`securitygroup_plugin.py`), so an operator finds
/// what Python would have made, and a host the Python agent managed is taken over as it stands.
///
/// Chains: `sg-default` (every bridged packet, from FORWARD), `sg-<nic>-in`/`-out` per VM NIC, and
/// `sg-<first 8 of the group uuid>-in`/`-out` per security group. Sets: `zstack-sg-<first 19 of the uuid>`
/// (`zstack-sg6-` for IPv6) for a group's members, `sg-<8>-in-ipset-<priority>` for a rule's address list.
enum SecurityGroupNames {
    static let defaultChain = "sg-default"
    /// Every chain whose name starts `sg-` is the security groups'; Python's refresh deletes them all too.
    static let ownership = IptablesChainOwnership(prefixes: ["sg-"])
    /// ZStack names a VM NIC's tap device `vnic<vm internal id>.<device id>` (`VmNicVO.generateNicInternalName`);
    /// requiring the prefix keeps NIC chains (`sg-vnic...`) apart from group chains (`sg-<hex>...`).
    static let nicPrefix = "vnic"

    static func nicChain(_ nic: String, _ direction: RuleDirection) -> String { "sg-\(nic)-\(direction.suffix)" }

    static func groupChain(_ uuid: String, _ direction: RuleDirection) -> String {
        "sg-\(uuid.prefix(8))-\(direction.suffix)"
    }

    /// The set of a group's member addresses that rules naming it as remote group match.
    static func memberSet(_ uuid: String, _ family: IptablesFamily) -> String {
        "\(family == .ipv4 ? "zstack-sg" : "zstack-sg6")-\(uuid.prefix(19))"
    }

    /// The set of one rule's comma-separated addresses. Python gives an IPv6 rule the IPv4 rule's name, so
    /// a group with both at one priority loses one; `ipset6` keeps them apart.
    static func ruleSet(_ uuid: String, _ direction: RuleDirection, priority: Int, _ family: IptablesFamily) -> String {
        "sg-\(uuid.prefix(8))-\(direction.suffix)-\(family == .ipv4 ? "ipset" : "ipset6")-\(priority)"
    }

    /// The NIC a `sg-vnic...-in`/`-out` chain filters; nil for other chains.
    static func nic(ofChain chain: String) -> String? {
        guard chain.hasPrefix("sg-" + nicPrefix) else { return nil }
        for direction in RuleDirection.allCases where chain.hasSuffix("-" + direction.suffix) {
            return String(chain.dropFirst(3).dropLast(direction.suffix.count + 1))
        }
        return nil
    }

    /// A set these agents make (Python's `_is_sg_ipset_name`), so one no rule uses any more is destroyed.
    static func isSecurityGroupSet(_ name: String) -> Bool {
        name.hasPrefix("zstack-sg") || name.hasPrefix("sg-")
    }
}

/// Which way a rule filters: `Ingress` is traffic to the VM (the bridge sends it out of the NIC's port),
/// `Egress` traffic from it.
enum RuleDirection: String, CaseIterable, Sendable {
    case ingress = "Ingress"
    case egress = "Egress"

    var suffix: String { self == .ingress ? "in" : "out" }
    /// How `sg-default` sends a NIC's packets to its chain: by the bridge port they leave or enter by.
    var physdevMatch: String { self == .ingress ? "--physdev-out" : "--physdev-in" }
}
