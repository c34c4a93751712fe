import AgentWire
import HostSystem

// Every value of a security-group command is checked here, before anything is applied; a value that cannot
// be used is refused with the field it came from (`vmNicTOs[0].internalName`, `ruleTOs.<uuid>[2].dstPortRange`).
// The forms accepted are those the MN's `SecurityGroupApiInterceptor` lets through.

extension SecurityGroupPlan {
    /// Java's `IP_GROUP_NUMBER_LIMIT`: addresses in one rule's comma list.
    static let addressListLimit = 10
    /// iptables' multiport takes 15 ports, a range counting as two.
    static let portListLimit = 15
    /// Keeps `sg-<8>-out-ipset6-<priority>` within ipset's 31-character names.
    static let priorityRange = 0...9_999_999

    init(validating command: KVM.ApplySecurityGroupRuleCmd) throws {
        nics = try (command.vmNicTOs ?? []).enumerated().map { index, nic in
            try Self.nic(nic, field: "vmNicTOs[\(index)]")
        }
        for (family, field, map) in [(IptablesFamily.ipv4, "ruleTOs", command.ruleTOs),
                                     (.ipv6, "ip6RuleTOs", command.ip6RuleTOs)] {
            groups[family] = try (map ?? [:]).sorted { $0.key < $1.key }.map { uuid, rules in
                let uuid = try Self.groupUUID(uuid, field: "\(field) key")
                let checked = try rules.enumerated().compactMap { index, rule in
                    try Self.rule(rule, family: family, group: uuid, field: "\(field).\(uuid)[\(index)]")
                }
                return GroupRules(uuid: uuid, rules: checked.sorted { $0.priority < $1.priority })
            }
            // Chain names keep 8 digits of the uuid (Python's): two groups sharing them would share chains.
            let prefixes = Dictionary(grouping: groups[family] ?? [], by: { $0.uuid.prefix(8) })
            if let shared = prefixes.values.first(where: { $0.count > 1 }) {
                throw InvalidField(field: "\(field) key", value: shared[1].uuid,
                                   expected: "a group whose first 8 digits no other group of the command has (\(shared[0].uuid))")
            }
        }
    }

    private static func nic(_ nic: KVM.VmNicSecurityTO, field: String) throws -> NicSecurity {
        let name = try InterfaceName.validated(nic.internalName, field: "\(field).internalName")
        guard name.hasPrefix(SecurityGroupNames.nicPrefix) else {
            throw InvalidField(field: "\(field).internalName", value: name,
                               expected: "a VM NIC's tap device, vnic<vm>.<device>")
        }
        let removes: Bool
        switch nic.actionCode ?? KVM.VmNicSecurityTO.applyChain {
        case KVM.VmNicSecurityTO.applyChain: removes = false
        case KVM.VmNicSecurityTO.deleteChain: removes = true
        default: throw InvalidField(field: "\(field).actionCode", value: nic.actionCode, expected: "applyChain or deleteChain")
        }
        let addresses = try (nic.vmNicIps ?? []).enumerated().map { index, address in
            try Self.address(nicAddress: address, field: "\(field).vmNicIps[\(index)]")
        }
        var refs: [(uuid: String, priority: Int)] = []
        for (uuid, priority) in nic.securityGroupRefs ?? [:] {
            let uuid = try groupUUID(uuid, field: "\(field).securityGroupRefs key")
            guard priorityRange.contains(priority) else {
                throw InvalidField(field: "\(field).securityGroupRefs.\(uuid)", value: String(priority),
                                   expected: "a priority between \(priorityRange.lowerBound) and \(priorityRange.upperBound)")
            }
            refs.append((uuid, priority))
        }
        var accepts: [RuleDirection: Bool] = [:]
        for (direction, policy, policyField) in [(RuleDirection.ingress, nic.ingressPolicy, "ingressPolicy"),
                                                 (.egress, nic.egressPolicy, "egressPolicy")] {
            // Python drops whatever is not ALLOW, a missing policy included.
            guard policy == nil || policy == "ALLOW" || policy == "DENY" else {
                throw InvalidField(field: "\(field).\(policyField)", value: policy, expected: "ALLOW or DENY")
            }
            accepts[direction] = policy == "ALLOW"
        }
        return NicSecurity(
            name: name, removesChains: removes || refs.isEmpty, addresses: addresses,
            groups: refs.sorted { ($0.priority, $0.uuid) < ($1.priority, $1.uuid) }.map(\.uuid), accepts: accepts)
    }

    /// nil for a disabled rule, which is not applied (the MN sends enabled rules only; Python would apply it).
    private static func rule(_ rule: KVM.RuleTO, family: IptablesFamily, group: String, field: String) throws -> GroupRule? {
        let version = family == .ipv4 ? 4 : 6
        if let ipVersion = rule.ipVersion, ipVersion != version {
            throw InvalidField(field: "\(field).ipVersion", value: String(ipVersion), expected: "\(version), as the map it is in says")
        }
        switch rule.state {
        case nil, "Enabled": break
        case "Disabled": return nil
        default: throw InvalidField(field: "\(field).state", value: rule.state, expected: "Enabled or Disabled")
        }
        guard let priority = rule.priority, priorityRange.contains(priority) else {
            throw InvalidField(field: "\(field).priority", value: rule.priority.map(String.init),
                               expected: "a priority between \(priorityRange.lowerBound) and \(priorityRange.upperBound)")
        }
        guard let direction = rule.type.flatMap(RuleDirection.init(rawValue:)) else {
            throw InvalidField(field: "\(field).type", value: rule.type, expected: "Ingress or Egress")
        }
        guard let transport = rule.protocol, ["TCP", "UDP", "ICMP", "ALL"].contains(transport) else {
            throw InvalidField(field: "\(field).protocol", value: rule.protocol, expected: "TCP, UDP, ICMP or ALL")
        }
        guard let action = rule.action, action == "ACCEPT" || action == "DROP" else {
            throw InvalidField(field: "\(field).action", value: rule.action, expected: "ACCEPT or DROP")
        }
        // An ingress rule names where traffic comes from, an egress rule where it goes (the interceptor's
        // "srcIpRange cannot be set in Egress rule"); a remote group replaces either.
        let (peerField, peerValue, otherField, otherValue) = direction == .ingress
            ? ("srcIpRange", rule.srcIpRange, "dstIpRange", rule.dstIpRange)
            : ("dstIpRange", rule.dstIpRange, "srcIpRange", rule.srcIpRange)
        if let otherValue {
            throw InvalidField(field: "\(field).\(otherField)", value: otherValue, expected: "absent in an \(direction.rawValue) rule")
        }
        var remote: RemoteGroup?
        if let uuid = rule.remoteGroupUuid {
            if let peerValue {
                throw InvalidField(field: "\(field).\(peerField)", value: peerValue, expected: "absent when remoteGroupUuid is set")
            }
            let members = try (rule.remoteGroupVmIps ?? []).enumerated().map { index, address in
                try Self.address(address, family: family, field: "\(field).remoteGroupVmIps[\(index)]")
            }
            remote = RemoteGroup(uuid: try groupUUID(uuid, field: "\(field).remoteGroupUuid"), members: members)
        }
        let ports: String?
        if transport == "TCP" || transport == "UDP" {
            ports = try rule.dstPortRange.map { try Self.ports($0, field: "\(field).dstPortRange") }
        } else if let given = rule.dstPortRange {
            throw InvalidField(field: "\(field).dstPortRange", value: given, expected: "absent for protocol \(transport)")
        } else {
            ports = nil
        }
        return GroupRule(direction: direction, priority: priority, transport: transport,
                         peer: try peerValue.map { try addresses($0, family: family, field: "\(field).\(peerField)") },
                         remoteGroup: remote, ports: ports, action: action)
    }

    /// `10.0.0.1`, `10.0.0.0/24`, `10.0.0.1-10.0.0.9` (an IPv6 range only on its own), or a comma list.
    private static func addresses(_ text: String, family: IptablesFamily, field: String) throws -> GroupRule.Addresses {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard (1...addressListLimit).contains(items.count), Set(items).count == items.count else {
            throw InvalidField(field: field, value: text, expected: "1 to \(addressListLimit) distinct comma-separated addresses")
        }
        var checked: [String] = []
        for item in items {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            if ends.count == 2 {
                guard items.count == 1 || family == .ipv4 else {
                    throw InvalidField(field: field, value: text, expected: "a list without IPv6 ranges (an ipset holds none)")
                }
                let low = try address(ends[0], family: family, field: field)
                let high = try address(ends[1], family: family, field: field)
                if family == .ipv4, let start = IPv4Address(low), let end = IPv4Address(high), start > end {
                    throw InvalidField(field: field, value: item, expected: "a range whose start is not after its end")
                }
                checked.append("\(low)-\(high)")
            } else {
                checked.append(try network(item, family: family, field: field))
            }
        }
        if items.count > 1 { return .list(checked) }
        return checked[0].contains("-") ? .range(checked[0]) : .network(checked[0])
    }

    /// An address or `address/prefix` of the family.
    private static func network(_ text: String, family: IptablesFamily, field: String) throws -> String {
        guard family == .ipv6 else { return text.contains("/") ? try Validate.cidr(text, field) : try address(text, family: family, field: field) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let host = try Validate.ipv6(parts[0], field)
        guard parts.count <= 2 else { throw InvalidField(field: field, value: text, expected: "an IPv6 address or network") }
        guard parts.count == 2 else { return host }
        guard parts[1].allSatisfy(\.isASCIIDigit), let bits = Int(parts[1]), (0...128).contains(bits) else {
            throw InvalidField(field: field, value: text, expected: "an IPv6 network with a prefix of 0 to 128")
        }
        return "\(host)/\(bits)"
    }

    static func address(_ text: String, family: IptablesFamily, field: String) throws -> String {
        family == .ipv4 ? try Validate.ipv4(text, field).description : try Validate.ipv6(text, field)
    }

    /// A NIC address, IPv4 or IPv6, with its family.
    private static func address(nicAddress text: String, field: String) throws -> (IptablesFamily, String) {
        if let address = IPv4Address(text) { return (.ipv4, address.description) }
        guard let address = try? Validate.ipv6(text, field) else {
            throw InvalidField(field: field, value: text, expected: "an IPv4 or IPv6 address")
        }
        return (.ipv6, address)
    }

    /// `22`, `20-21`, `22,80-89` (each range rising, as the interceptor wants) in multiport's form.
    private static func ports(_ text: String, field: String) throws -> String {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        var rendered: [String] = []
        var count = 0
        for item in items {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false)
            let numbers = ends.compactMap { end in end.allSatisfy(\.isASCIIDigit) && (1...5).contains(end.count) ? Int(end) : nil }
            guard (1...2).contains(ends.count), numbers.count == ends.count, numbers.allSatisfy({ (0...65535).contains($0) }),
                  numbers.count == 1 || numbers[0] < numbers[1]
            else { throw InvalidField(field: field, value: text, expected: "ports 0-65535 like 22, 20-21 or 22,80-89") }
            count += numbers.count
            rendered.append(numbers.map(String.init).joined(separator: ":"))
        }
        guard count <= portListLimit, Set(rendered).count == rendered.count else {
            throw InvalidField(field: field, value: text, expected: "at most \(portListLimit) distinct ports, a range counting as two")
        }
        return rendered.joined(separator: ",")
    }

    /// A ZStack uuid: 32 lower-case hex digits. Chain and set names are cut from it, so nothing else may
    /// reach them (and hex keeps `sg-<uuid>` apart from `sg-default` and `sg-vnic...`).
    static func groupUUID(_ text: String?, field: String) throws -> String {
        guard let text, text.utf8.count == 32, text.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw InvalidField(field: field, value: text, expected: "a security group uuid of 32 lower-case hex digits")
        }
        return text
    }
}

extension GroupMembersUpdate {
    static func validating(_ command: KVM.UpdateGroupMemberCmd) throws -> [GroupMembersUpdate] {
        try (command.updateGroupTOs ?? []).enumerated().map { index, update in
            let field = "updateGroupTOs[\(index)]"
            let uuid = try SecurityGroupPlan.groupUUID(update.securityGroupUuid, field: "\(field).securityGroupUuid")
            switch update.actionCode ?? KVM.SecurityGroupMembersTO.updateGroup {
            case KVM.SecurityGroupMembersTO.deleteGroup:
                return GroupMembersUpdate(uuid: uuid, members: nil)
            case KVM.SecurityGroupMembersTO.updateGroup:
                var members: [IptablesFamily: [String]] = [:]
                for (family, name, list) in [(IptablesFamily.ipv4, "securityGroupVmIps", update.securityGroupVmIps),
                                             (.ipv6, "securityGroupVmIp6s", update.securityGroupVmIp6s)] {
                    members[family] = try (list ?? []).enumerated().map { i, address in
                        try SecurityGroupPlan.address(address, family: family, field: "\(field).\(name)[\(i)]")
                    }
                }
                return GroupMembersUpdate(uuid: uuid, members: members)
            default:
                throw InvalidField(field: "\(field).actionCode", value: update.actionCode, expected: "updateGroup or deleteGroup")
            }
        }
    }
}
