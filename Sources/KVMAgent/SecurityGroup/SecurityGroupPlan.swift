import HostSystem

/// What an apply or refresh command asks for, every value validated (`SecurityGroupPlan.init(validating:)`):
/// the NICs to filter or stop filtering, and the rules of each group per address family.
struct SecurityGroupPlan: Sendable {
    var nics: [NicSecurity] = []
    /// Per family, the groups whose chains the command replaces.
    var groups: [IptablesFamily: [GroupRules]] = [:]
}

/// One VM NIC as `VmNicSecurityTO` describes it.
struct NicSecurity: Sendable {
    var name: String
    /// `deleteChain`, or a NIC in no group: its chains go (Python's `_delete_vnic_chain`).
    var removesChains: Bool
    /// The NIC's addresses: only the families they are in get chains, as in Python.
    var addresses: [(IptablesFamily, String)]
    var families: Set<IptablesFamily> { Set(addresses.map(\.0)) }
    /// Group uuids by ascending priority.
    var groups: [String]
    /// Policy `ALLOW`: traffic no rule accepted goes on (`RETURN` to `sg-default`, which accepts); `DENY`
    /// drops it.
    var accepts: [RuleDirection: Bool]
}

/// The rules of one group in one family, by ascending priority.
struct GroupRules: Sendable, Equatable {
    var uuid: String
    var rules: [GroupRule]
}

struct GroupRule: Sendable, Equatable {
    enum Addresses: Sendable, Equatable {
        /// An address or network: `-s`/`-d`.
        case network(String)
        /// `a-b`: the iprange match.
        case range(String)
        /// Several of the above: a set of their own.
        case list([String])
    }

    var direction: RuleDirection
    var priority: Int
    /// `TCP`, `UDP`, `ICMP` or `ALL`.
    var transport: String
    /// The other end's addresses (source of ingress, destination of egress), if the rule names them.
    var peer: Addresses?
    /// The remote group's uuid and member addresses, if the rule names one instead.
    var remoteGroup: RemoteGroup?
    /// `--dports` in iptables' form (`22,80:89`), for TCP and UDP only.
    var ports: String?
    /// `ACCEPT` or `DROP`.
    var action: String
}

struct RemoteGroup: Sendable, Equatable {
    var uuid: String
    var members: [String]
}

/// `/securitygroup/updategroupmember`'s content, validated.
struct GroupMembersUpdate: Sendable, Equatable {
    var uuid: String
    /// nil: `deleteGroup`.
    var members: [IptablesFamily: [String]]?
}
