/// `/securitygroup/*` bodies as `KVMSecurityGroupBackend` sends them: Gson writes every non-null field of
/// `ApplySecurityGroupRuleCmd`/`RefreshAllRulesOnHostCmd`, `VmNicSecurityTO`, `RuleTO` (its primitive ints
/// always, the deprecated `startPort`/`endPort` as 0), `UpdateGroupMemberCmd` and `SecurityGroupMembersTO`,
/// plus the `kvmHostAddons` every `AgentCommand` carries.
enum SecurityGroupBodies {
    static let groupA = "4c5d6e7f8a9b4c0d9e1f2a3b4c5d6e7f"
    static let groupB = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    static let addons = #""kvmHostAddons":{"qemuVersion":"6.2.0","libvirtVersion":"8.0.0"}"#

    /// `VmNicSecurityTO` of lab NIC `index` (0 or 1), in `groups` (uuid to priority).
    static func nic(_ index: Int, groups: [String: Int], ipv6: Bool = false, ingressPolicy: String = "DENY",
                    actionCode: String = "applyChain") -> String {
        let ips = [SecurityGroupLab.addresses[index]] + (ipv6 ? [SecurityGroupLab.addresses6[index]] : [])
        let refs = groups.sorted { $0.key < $1.key }.map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",")
        return #"{"vmNicUuid":"a\#(index)a1a2a3a4a5a6a7a8a9aaabacadaeaf","internalName":"\#(SecurityGroupLab.nics[index])","#
            + #""mac":"fa:16:3e:00:00:0\#(index + 1)","vmNicIps":[\#(ips.map { "\"\($0)\"" }.joined(separator: ","))],"#
            + #""ingressPolicy":"\#(ingressPolicy)","egressPolicy":"ALLOW","actionCode":"\#(actionCode)","#
            + #""securityGroupRefs":{\#(refs)}}"#
    }

    /// A `RuleTO` as `calculateRuleTOBySecurityGroup` fills it; `peer` is srcIpRange of an ingress rule,
    /// dstIpRange of an egress one.
    static func rule(priority: Int, type: String = "Ingress", protocol: String = "TCP", ports: String? = nil,
                     peer: String? = nil, remoteGroup: String? = nil, members: [String] = [], ipVersion: Int = 4,
                     action: String = "ACCEPT") -> String {
        var fields = [#""ipVersion":\#(ipVersion)"#, #""priority":\#(priority)"#, #""type":"\#(type)""#]
        if let remoteGroup { fields.append(#""remoteGroupUuid":"\#(remoteGroup)""#) }
        fields.append(#""remoteGroupVmIps":[\#(members.map { "\"\($0)\"" }.joined(separator: ","))]"#)
        fields += [#""state":"Enabled""#, #""protocol":"\#(`protocol`)""#]
        if let peer { fields.append(#""\#(type == "Ingress" ? "srcIpRange" : "dstIpRange")":"\#(peer)""#) }
        if let ports { fields.append(#""dstPortRange":"\#(ports)""#) }
        fields += [#""action":"\#(action)""#, #""startPort":0"#, #""endPort":0"#]
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func apply(nics: [String], rules: [String: [String]], ip6Rules: [String: [String]] = [:]) -> String {
        func map(_ rules: [String: [String]]) -> String {
            "{" + rules.sorted { $0.key < $1.key }.map { #""\#($0.key)":[\#($0.value.joined(separator: ","))]"# }
                .joined(separator: ",") + "}"
        }
        return #"{"vmNicTOs":[\#(nics.joined(separator: ","))],"ruleTOs":\#(map(rules)),"ip6RuleTOs":\#(map(ip6Rules)),\#(addons)}"#
    }

    static func members(_ group: String, ips: [String], ip6s: [String]? = nil, actionCode: String = "updateGroup") -> String {
        let list = { (ips: [String]) in "[" + ips.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        let v6 = ip6s.map { #","securityGroupVmIp6s":\#(list($0))"# } ?? ""
        return #"{"updateGroupTOs":[{"securityGroupUuid":"\#(group)","securityGroupVmIps":\#(list(ips))\#(v6),"#
            + #""actionCode":"\#(actionCode)"}],\#(addons)}"#
    }

    /// One NIC in two groups with every kind of rule: a network, a port list with a range, an address list
    /// (a set of its own), an address range, a remote group, IPv4 and IPv6. HostileInputTests' KVM corpus
    /// reads this literal.
    static let everyRuleKind = #"""
        {"vmNicTOs":[{"vmNicUuid":"6c0a1d2b3c4d5e6f7a8b9c0d1e2f3a4c","internalName":"vnic2.0","mac":"fa:a3:5c:1e:7b:09","vmNicIps":["10.80.0.2","fd80::2"],"ingressPolicy":"DENY","egressPolicy":"ALLOW","actionCode":"applyChain","securityGroupRefs":{"4c5d6e7f8a9b4c0d9e1f2a3b4c5d6e7f":1,"5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b":2}}],
         "ruleTOs":{"4c5d6e7f8a9b4c0d9e1f2a3b4c5d6e7f":[{"ipVersion":4,"priority":1,"type":"Ingress","remoteGroupVmIps":[],"state":"Enabled","protocol":"TCP","srcIpRange":"10.0.0.0/24","dstPortRange":"22,8000-8080","action":"ACCEPT","startPort":0,"endPort":0},{"ipVersion":4,"priority":2,"type":"Egress","remoteGroupVmIps":[],"state":"Enabled","protocol":"UDP","dstIpRange":"10.0.0.1,10.0.0.9","dstPortRange":"53","action":"DROP","startPort":0,"endPort":0}],"5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b":[{"ipVersion":4,"priority":1,"type":"Ingress","remoteGroupUuid":"5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b","remoteGroupVmIps":["10.80.0.2"],"state":"Enabled","protocol":"ICMP","action":"ACCEPT","startPort":0,"endPort":0}]},
         "ip6RuleTOs":{"4c5d6e7f8a9b4c0d9e1f2a3b4c5d6e7f":[{"ipVersion":6,"priority":1,"type":"Ingress","remoteGroupVmIps":[],"state":"Enabled","protocol":"ALL","srcIpRange":"fd00::1-fd00::9","action":"ACCEPT","startPort":0,"endPort":0}]},
         "kvmHostAddons":{"qemuVersion":"6.2.0"}}
        """#

    static func host(skipIpv6: Bool = false) -> String { #"{"skipIpv6":\#(skipIpv6),\#(addons)}"# }
}
