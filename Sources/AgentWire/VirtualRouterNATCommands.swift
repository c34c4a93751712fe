// Virtual-router agent commands for addresses and NAT (`VirtualRouterCommands.java`): SNAT, VIPs, EIPs
// and port forwarding. Same conventions as `VirtualRouterCommands.swift`.

extension VR {
    public struct SNATInfo: Codable, Sendable, Equatable {
        public var publicNicMac: String?
        public var publicIp: String?
        public var privateNicMac: String?
        public var privateNicIp: String?
        public var privateGatewayIp: String?
        public var snatNetmask: String?
        public var state: Bool?
        public init() {}
    }

    /// `/setsnat` (async).
    public struct SetSNATCmd: Codable, Sendable, Equatable {
        public var snat: SNATInfo?
        public init(snat: SNATInfo? = nil) { self.snat = snat }
    }

    /// `/removesnat` (async).
    public struct RemoveSNATCmd: Codable, Sendable, Equatable {
        public var natInfo: [SNATInfo]?
        public init(natInfo: [SNATInfo]? = nil) { self.natInfo = natInfo }
    }

    /// `/syncsnat` (async): the full set.
    public struct SyncSNATCmd: Codable, Sendable, Equatable {
        public var snats: [SNATInfo]?
        public var enable: Bool?
        public init(snats: [SNATInfo]? = nil) { self.snats = snats }
    }

    public struct VipTO: Codable, Sendable, Equatable {
        public var ip: String?
        public var netmask: String?
        public var gateway: String?
        public var ip6: String?
        public var prefixLength: Int?
        public var gateway6: String?
        public var ownerEthernetMac: String?
        public var vipUuid: String?
        public var isSystem: Bool?
        public init() {}
    }

    public struct NicIpTO: Codable, Sendable, Equatable {
        public var ip: String?
        public var netmask: String?
        public var ownerEthernetMac: String?
        public init() {}
    }

    /// `/createvip` (async).
    public struct CreateVipCmd: Codable, Sendable, Equatable {
        public var syncVip: Bool?
        public var vips: [VipTO]?
        public var nicIps: [NicIpTO]?
        public init(vips: [VipTO]? = nil) { self.vips = vips }
    }

    /// `/removevip` (async).
    public struct RemoveVipCmd: Codable, Sendable, Equatable {
        public var vips: [VipTO]?
        public init(vips: [VipTO]? = nil) { self.vips = vips }
    }

    public struct EipTO: Codable, Sendable, Equatable {
        public var vipIp: String?
        public var privateMac: String?
        public var guestIp: String?
        public var snatInboundTraffic: Bool?
        public var publicMac: String?
        public var needCleanGuestIp: Bool?
        public init() {}
    }

    /// `/createeip` (async).
    public struct CreateEipCmd: Codable, Sendable, Equatable {
        public var eip: EipTO?
        public init(eip: EipTO? = nil) { self.eip = eip }
    }

    /// `/removeeip` (async).
    public struct RemoveEipCmd: Codable, Sendable, Equatable {
        public var eip: EipTO?
        public init(eip: EipTO? = nil) { self.eip = eip }
    }

    /// `/synceip` (async): the full set.
    public struct SyncEipCmd: Codable, Sendable, Equatable {
        public var eips: [EipTO]?
        public init(eips: [EipTO]? = nil) { self.eips = eips }
    }

    public struct PortForwardingRuleTO: Codable, Sendable, Equatable {
        public var uuid: String?
        public var vipPortStart: Int?
        public var vipPortEnd: Int?
        public var privatePortStart: Int?
        public var privatePortEnd: Int?
        /// `TCP` or `UDP`.
        public var protocolType: String?
        public var vipIp: String?
        public var publicMac: String?
        public var privateIp: String?
        public var privateMac: String?
        public var allowedCidr: String?
        public var snatInboundTraffic: Bool?
        public init() {}
    }

    /// `/createportforwarding` (async).
    public struct CreatePortForwardingRuleCmd: Codable, Sendable, Equatable {
        public var rules: [PortForwardingRuleTO]?
        public init(rules: [PortForwardingRuleTO]? = nil) { self.rules = rules }
    }

    /// `/revokeportforwarding` (async).
    public struct RevokePortForwardingRuleCmd: Codable, Sendable, Equatable {
        public var rules: [PortForwardingRuleTO]?
        public init(rules: [PortForwardingRuleTO]? = nil) { self.rules = rules }
    }

    /// `/syncportforwarding` (async): the full set.
    public struct SyncPortForwardingRuleCmd: Codable, Sendable, Equatable {
        public var rules: [PortForwardingRuleTO]?
        public init(rules: [PortForwardingRuleTO]? = nil) { self.rules = rules }
    }

    /// A load-balancer listener (1.0 `VirtualRouterLoadBalancerBackend.LbTO`).
    public struct LbTO: Codable, Sendable, Equatable {
        public var lbUuid: String?
        public var listenerUuid: String?
        public var vip: String?
        public var nicIps: [String]?
        public var instancePort: Int?
        public var loadBalancerPort: Int?
        /// `tcp` or `http`.
        public var mode: String?
        /// `"key::value"` strings (`balancerAlgorithm::roundrobin`, `healthCheckTarget::tcp:default`, ...).
        public var parameters: [String]?
        public init() {}
    }

    /// `/lb/refresh` (async): a listener with no `nicIps` is removed.
    public struct RefreshLbCmd: Codable, Sendable, Equatable {
        public var lbs: [LbTO]?
        public init(lbs: [LbTO]? = nil) { self.lbs = lbs }
    }

    /// `/lb/delete` (async).
    public struct DeleteLbCmd: Codable, Sendable, Equatable {
        public var lbs: [LbTO]?
        public init(lbs: [LbTO]? = nil) { self.lbs = lbs }
    }
}
