import AgentWire
import HostSystem

/// One VM NIC's DHCP entry, validated from a `DhcpInfo`: the values dnsmasq's files are rendered from, kept
/// per namespace (`FlatNetworkPaths.Dnsmasq.entries`) so each change re-renders the whole set.
struct FlatDhcpEntry: Codable, Sendable, Equatable {
    var mac: String
    var ip: String
    var netmask: String
    var gateway: String?
    var hostname: String?
    var isDefaultL3Network: Bool
    var dns: [String]
    var dnsDomain: String?
    var mtu: Int?
    /// `prefix,nexthop` pairs of option 121 (the default route first on the default network).
    var routes: [String]
    var vmMultiGateway: Bool
    /// The router option the NIC gets: the gateway on its default network (or with multiple gateways),
    /// changed by `/dhcp/resetDefaultGateway`.
    var router: String?

    /// dnsmasq's tag for the NIC: its MAC without colons, as mevoco.py sets it.
    var tag: String { mac.split(separator: ":").joined() }

    /// The MTUs a NIC can have (68 is IPv4's minimum; 9216 mevoco.py's `MAX_MTU_OF_VNIC`).
    static let mtuRange = 68...9216

    /// Validates `info`; `field` is its path in the command (`dhcpInfos[0].dhcp[1]`).
    init(_ info: KVM.DhcpInfo, field: String) throws(InvalidField) {
        switch info.ipVersion {
        case 4?, 46?: break
        default:
            throw InvalidField(field: field + ".ipVersion", value: info.ipVersion.map(String.init),
                               expected: "4 or 46 (this agent serves DHCPv4; DHCPv6 entries are refused)")
        }
        mac = try Validate.mac(info.mac, field + ".mac")
        ip = try Validate.ipv4(info.ip, field + ".ip").description
        let prefix = try Validate.netmask(info.netmask, field + ".netmask")
        netmask = IPv4Address(netmaskPrefix: prefix).description
        gateway = try info.gateway.map { value throws(InvalidField) in try Validate.ipv4(value, field + ".gateway").description }
        hostname = try info.hostname.map { value throws(InvalidField) in try Validate.dnsName(value, field + ".hostname") }
        dnsDomain = try info.dnsDomain.map { value throws(InvalidField) in try Validate.dnsName(value, field + ".dnsDomain") }
        isDefaultL3Network = info.isDefaultL3Network ?? false
        vmMultiGateway = info.vmMultiGateway ?? false
        var servers: [String] = []
        for (index, server) in (info.dns ?? []).enumerated() {
            servers.append(try Validate.ipv4(server, field + ".dns[\(index)]").description)
        }
        dns = servers
        if let value = info.mtu, !Self.mtuRange.contains(value) {
            throw InvalidField(field: field + ".mtu", value: String(value),
                               expected: "an MTU between \(Self.mtuRange.lowerBound) and \(Self.mtuRange.upperBound)")
        }
        mtu = info.mtu
        var routes: [String] = []
        if isDefaultL3Network, let gateway { routes.append("0.0.0.0/0,\(gateway)") }
        for (index, route) in (info.hostRoutes ?? []).enumerated() {
            let prefix = try Validate.cidr(route.prefix, field + ".hostRoutes[\(index)].prefix")
            let nexthop = try Validate.ipv4(route.nexthop, field + ".hostRoutes[\(index)].nexthop")
            routes.append("\(prefix),\(nexthop)")
        }
        self.routes = routes
        router = isDefaultL3Network || vmMultiGateway ? gateway : nil
    }

    /// Whether this entry and `other` claim the same NIC or address: mevoco.py erases both before adding.
    func collides(with other: FlatDhcpEntry) -> Bool { mac == other.mac || ip == other.ip }
}
