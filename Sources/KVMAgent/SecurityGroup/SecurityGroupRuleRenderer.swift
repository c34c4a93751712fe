import HostSystem

/// Turns validated rules into iptables rule text and the ipsets they match, as Python's
/// `_do_make_security_group_rule` writes them: peer addresses, remote group, protocol and ports, a
/// `<type>-priority@<n>` comment, the action.
enum SecurityGroupRuleRenderer {
    struct GroupChains: Sendable, Equatable {
        /// Rule bodies (after `-A <chain> `) per chain name.
        var chains: [String: [String]] = [:]
        var sets: [IpsetSet] = []
    }

    /// A group's two chains: its rules by priority, then RETURN so the NIC's policy decides the rest. A
    /// chain without rules stays empty, as in Python (which also ends with the NIC's policy).
    static func chains(of group: GroupRules, _ family: IptablesFamily) -> GroupChains {
        var result = GroupChains()
        for direction in RuleDirection.allCases {
            var bodies: [String] = []
            for rule in group.rules where rule.direction == direction {
                let (body, sets) = render(rule, group: group.uuid, family)
                bodies.append(body)
                result.sets += sets
            }
            if !bodies.isEmpty { bodies.append("-j RETURN") }
            result.chains[SecurityGroupNames.groupChain(group.uuid, direction)] = bodies
        }
        return result
    }

    private static func render(_ rule: GroupRule, group: String, _ family: IptablesFamily) -> (String, [IpsetSet]) {
        var words: [String] = []
        var sets: [IpsetSet] = []
        let setFamily: IpsetSet.Family = family == .ipv4 ? .inet : .inet6
        let side = rule.direction == .ingress ? "src" : "dst"
        switch rule.peer {
        case .network(let network)?:
            words += [rule.direction == .ingress ? "-s" : "-d", network]
        case .range(let range)?:
            words += ["-m iprange", rule.direction == .ingress ? "--src-range" : "--dst-range", range]
        case .list(let members)?:
            let name = SecurityGroupNames.ruleSet(group, rule.direction, priority: rule.priority, family)
            sets.append(IpsetSet(name: name, family: setFamily, members: members))
            words += ["-m set --match-set", name, side]
        case nil:
            break
        }
        if let remote = rule.remoteGroup {
            let name = SecurityGroupNames.memberSet(remote.uuid, family)
            sets.append(IpsetSet(name: name, family: setFamily, members: remote.members))
            words += ["-m state --state NEW -m set --match-set", name, side]
        }
        switch rule.transport {
        case "ICMP": words.append(family == .ipv4 ? "-p icmp" : "-p ipv6-icmp")
        case "TCP", "UDP":
            let name = rule.transport.lowercased()
            words.append(rule.ports.map { "-p \(name) -m multiport --dports \($0)" } ?? "-p \(name)")
        default: break
        }
        words += ["-m comment --comment", "\(rule.direction.rawValue)-priority@\(rule.priority)", "-j", rule.action]
        return (words.joined(separator: " "), sets)
    }
}
