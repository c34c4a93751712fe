import HostSystem

/// Everything the agent has been told to put in place, with NICs already resolved to names and every
/// value validated. Renderers are pure functions of this value; commands edit it (idempotently) and the
/// appliers make the router match it.
public struct RouterState: Sendable, Equatable {
    /// NICs (not the management NIC) guarded by a `<nic>-in` chain.
    public var guardedNICs: Set<String> = []
    /// Keyed by private NIC MAC: one SNAT per private network, as ZStack's chain names imply.
    public var snats: [String: SNATRule] = [:]
    /// Keyed by VIP.
    public var eips: [IPv4Address: EIPRule] = [:]
    public var portForwards: [PortForwardRule.Key: PortForwardRule] = [:]
    /// Keyed by `lbUuid-listenerUuid`.
    public var listeners: [String: LBListener] = [:]
    /// Keyed by guest MAC.
    public var dhcpHosts: [String: DHCPHost] = [:]
    /// Upstream DNS servers, in the order they were set.
    public var dnsServers: [IPv4Address] = []

    public init() {}
}

public struct SNATRule: Sendable, Equatable {
    public var privateNIC: String
    public var publicNIC: String
    public var publicIP: IPv4Address
    /// The private network in `a.b.c.d/n` form, when the MN gave `privateNicIp` and `snatNetmask`.
    public var privateNetwork: String?
}

public struct EIPRule: Sendable, Equatable {
    public var vip: IPv4Address
    public var guestIP: IPv4Address
    public var vipNIC: String
    public var privateNIC: String
    /// Inbound traffic is source-NATed to this guest-side router address (`snatInboundTraffic`).
    public var inboundSource: IPv4Address?
}

public struct PortForwardRule: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        public var vip: IPv4Address
        public var transport: String
        public var vipPortStart: Int
    }

    public var vip: IPv4Address
    /// `TCP` or `UDP`.
    public var transport: String
    public var vipPorts: ClosedRange<Int>
    public var privateIP: IPv4Address
    public var privatePorts: ClosedRange<Int>
    public var vipNIC: String
    public var privateNIC: String
    public var allowedCIDR: String?
    public var inboundSource: IPv4Address?

    public var key: Key { Key(vip: vip, transport: transport, vipPortStart: vipPorts.lowerBound) }
}

public struct LBListener: Sendable, Equatable {
    public var lbUuid: String
    public var listenerUuid: String
    public var vip: IPv4Address
    public var backends: [IPv4Address]
    public var instancePort: Int
    public var loadBalancerPort: Int
    /// `tcp` or `http`.
    public var mode: String
    /// Validated `parameters`, by key.
    public var parameters: [String: String]

    public var name: String { "\(lbUuid)-\(listenerUuid)" }
}

public struct DHCPHost: Sendable, Equatable {
    public var mac: String
    public var ip: IPv4Address
    public var netmask: IPv4Address
    public var gateway: IPv4Address?
    public var dns: [IPv4Address]
    public var hostname: String
    public var dnsDomain: String?
    public var isDefaultL3Network: Bool

    /// dnsmasq tag: the MAC without colons, as ZStack writes it.
    public var tag: String { mac.replacingColons }
}

extension String {
    var replacingColons: String { String(filter { $0 != ":" }) }
}
