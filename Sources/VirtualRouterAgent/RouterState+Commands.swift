import AgentWire
import HostSystem

// How each command edits the desired state. Every entry of a command is validated and resolved before
// the state changes, so a bad entry leaves the state as it was. Additions replace an entry with the same
// key (commands are idempotent); `sync*` replaces the whole set; removals of absent entries are no-ops.
extension RouterState {
    /// Each element of a list command with its wire path (`snats[2]`); a single-object command passes
    /// `[("snat", value)]` so errors name the field as the MN sent it.
    typealias Fielded<T> = [(field: String, value: T)]

    static func indexed<T>(_ list: [T]?, _ field: String) -> Fielded<T> {
        (list ?? []).enumerated().map { ("\(field)[\($0.offset)]", $0.element) }
    }

    mutating func setSNATs(_ infos: Fielded<VR.SNATInfo>, resolver: CommandResolver, replacing: Bool) throws {
        let rules = try infos.map { field, info in
            (try Validate.mac(info.privateNicMac, "\(field).privateNicMac"), try resolver.snat(info, field: field))
        }
        if replacing { snats = [:] }
        for (mac, rule) in rules { snats[mac] = rule }
    }

    mutating func removeSNATs(_ infos: [VR.SNATInfo]) throws {
        let macs = try infos.enumerated().map { i, info in
            try Validate.mac(info.privateNicMac, "natInfo[\(i)].privateNicMac")
        }
        for mac in macs { snats[mac] = nil }
    }

    mutating func setEIPs(_ eips: Fielded<VR.EipTO>, resolver: CommandResolver, replacing: Bool) throws {
        let rules = try eips.map { field, to in try resolver.eip(to, field: field) }
        if replacing { self.eips = [:] }
        for rule in rules { self.eips[rule.vip] = rule }
    }

    mutating func removeEIP(_ to: VR.EipTO) throws {
        eips[try Validate.ipv4(to.vipIp, "eip.vipIp")] = nil
    }

    mutating func setPortForwards(_ tos: [VR.PortForwardingRuleTO], resolver: CommandResolver, replacing: Bool) throws {
        let rules = try tos.enumerated().map { i, to in try resolver.portForward(to, field: "rules[\(i)]") }
        if replacing { portForwards = [:] }
        for rule in rules { portForwards[rule.key] = rule }
    }

    mutating func revokePortForwards(_ tos: [VR.PortForwardingRuleTO]) throws {
        let keys = try tos.enumerated().map { i, to in
            PortForwardRule.Key(
                vip: try Validate.ipv4(to.vipIp, "rules[\(i)].vipIp"),
                transport: try Validate.transport(to.protocolType, "rules[\(i)].protocolType"),
                vipPortStart: try Validate.port(to.vipPortStart, "rules[\(i)].vipPortStart"))
        }
        for key in keys { portForwards[key] = nil }
    }

    mutating func addDHCP(_ infos: [VR.DhcpInfo], rebuild: Bool) throws {
        let hosts = try infos.enumerated().map { i, info in
            try CommandResolver.dhcpHost(info, field: "dhcpEntries[\(i)]")
        }
        if rebuild { dhcpHosts = [:] }
        for host in hosts {
            // An IP moves with its entry: drop any other MAC that held it (ZStack's duplicate clean-up).
            dhcpHosts = dhcpHosts.filter { $0.value.ip != host.ip || $0.key == host.mac }
            dhcpHosts[host.mac] = host
        }
    }

    /// Returns the entries removed, for releasing their leases.
    mutating func removeDHCP(_ infos: [VR.DhcpInfo]) throws -> [DHCPHost] {
        let macs = try infos.enumerated().map { i, info in try Validate.mac(info.mac, "dhcpEntries[\(i)].mac") }
        return macs.compactMap { dhcpHosts.removeValue(forKey: $0) }
    }

    mutating func setDNS(_ infos: [VR.DnsInfo]) throws {
        let servers = try infos.enumerated().map { i, info in try Validate.ipv4(info.dnsAddress, "dns[\(i)].dnsAddress") }
        for server in servers where !dnsServers.contains(server) { dnsServers.append(server) }
    }

    mutating func removeDNS(_ infos: [VR.DnsInfo]) throws {
        let servers = try infos.enumerated().map { i, info in try Validate.ipv4(info.dnsAddress, "dns[\(i)].dnsAddress") }
        dnsServers.removeAll { servers.contains($0) }
    }
}
