// KVM agent security-group commands (`KVMAgentCommands.java`, sent by `KVMSecurityGroupBackend`) and the
// transfer objects of `org.zstack.network.securitygroup`. Field names are the Java field names; every field
// is optional. The MN reads only the envelope of each reply (`success`, `error`), so replies are
// `EmptyReply`. All five paths are async, as the Python agent registers them. Like every `AgentCommand`,
// each also carries `kvmHostAddons`, which the security-group code does not read.

extension KVM.Path {
    public static let applySecurityGroupRules = "/securitygroup/applyrules"
    public static let refreshSecurityGroupRulesOnHost = "/securitygroup/refreshrulesonhost"
    public static let updateSecurityGroupMembers = "/securitygroup/updategroupmember"
    public static let cleanupUnusedSecurityGroupRules = "/securitygroup/cleanupunusedrules"
    public static let checkDefaultSecurityGroupRules = "/securitygroup/checkdefaultrulesonhost"
}

extension KVM {
    /// `/securitygroup/applyrules` (`ApplySecurityGroupRuleCmd`: change the NICs and groups named) and
    /// `/securitygroup/refreshrulesonhost` (`RefreshAllRulesOnHostCmd`, the same fields: this is all there
    /// is). The rule maps are keyed by security-group uuid: `ruleTOs` holds IPv4 rules, `ip6RuleTOs` IPv6.
    public struct ApplySecurityGroupRuleCmd: Codable, Sendable, Equatable {
        public var vmNicTOs: [VmNicSecurityTO]?
        public var ruleTOs: [String: [RuleTO]]?
        public var ip6RuleTOs: [String: [RuleTO]]?

        public init() {}
    }

    /// One VM NIC and the groups it is in (`VmNicSecurityTO`).
    public struct VmNicSecurityTO: Codable, Sendable, Equatable {
        public static let applyChain = "applyChain"
        public static let deleteChain = "deleteChain"

        public var vmNicUuid: String?
        /// The tap device, `vnic<vm>.<device>`.
        public var internalName: String?
        public var mac: String?
        public var vmNicIps: [String]?
        /// `ALLOW` or `DENY`: what happens to traffic no group rule accepted.
        public var ingressPolicy: String?
        public var egressPolicy: String?
        /// `applyChain` (Java's default) or `deleteChain`.
        public var actionCode: String?
        /// Security-group uuid to the NIC's priority for it; lower is consulted first.
        public var securityGroupRefs: [String: Int]?

        public init() {}
    }

    /// One security-group rule (`RuleTO`). `startPort`, `endPort` and `allowedCidr` are deprecated: Gson
    /// still writes the int ones (0), and neither agent reads them.
    public struct RuleTO: Codable, Sendable, Equatable {
        public var ipVersion: Int?
        public var priority: Int?
        /// `Ingress` or `Egress`.
        public var type: String?
        public var remoteGroupUuid: String?
        public var remoteGroupVmIps: [String]?
        /// `Enabled` or `Disabled`; the MN sends only enabled rules.
        public var state: String?
        /// `TCP`, `UDP`, `ICMP` or `ALL`.
        public var `protocol`: String?
        public var srcIpRange: String?
        public var dstIpRange: String?
        /// `22`, `22-25` or a comma list of those.
        public var dstPortRange: String?
        /// `ACCEPT` or `DROP`.
        public var action: String?
        public var startPort: Int?
        public var endPort: Int?
        public var allowedCidr: String?

        public init() {}
    }

    /// `/securitygroup/updategroupmember` (`UpdateGroupMemberCmd`): the addresses of a group's members
    /// changed (or the group went away), for the rules that name the group as their remote group.
    public struct UpdateGroupMemberCmd: Codable, Sendable, Equatable {
        public var updateGroupTOs: [SecurityGroupMembersTO]?

        public init() {}
    }

    /// `SecurityGroupMembersTO`.
    public struct SecurityGroupMembersTO: Codable, Sendable, Equatable {
        public static let updateGroup = "updateGroup"
        public static let deleteGroup = "deleteGroup"

        public var securityGroupUuid: String?
        public var securityGroupVmIps: [String]?
        public var securityGroupVmIp6s: [String]?
        /// `updateGroup` (Java's default) or `deleteGroup`.
        public var actionCode: String?

        public init() {}
    }

    /// `/securitygroup/cleanupunusedrules` (`CleanupUnusedRulesOnHostCmd`) and
    /// `/securitygroup/checkdefaultrulesonhost` (`CheckDefaultSecurityGroupCmd`): the same one field.
    public struct SecurityGroupHostCmd: Codable, Sendable, Equatable {
        /// `NetworkGlobalProperty.SKIP_IPV6`: leave ip6tables alone.
        public var skipIpv6: Bool?

        public init() {}
    }
}
