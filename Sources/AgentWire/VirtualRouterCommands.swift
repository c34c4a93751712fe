// Virtual-router agent commands (`VirtualRouterCommands.java`): agent life cycle, NICs, DHCP and DNS.
// Field names are the Java field names. Every field is optional: the 1.0-era MN omits the fields the
// HEAD-era MN adds for the VyOS agent, and nulls are dropped on the wire. Types live in the `VR`
// namespace because several Java names (`PingCmd`, `PingRsp`) are also KVM agent names.

/// Namespace of the virtual-router agent's wire types.


extension VR {
    /// A reply with no fields beyond the envelope (`ConfigureNicRsp`, `AddDhcpEntryRsp`, ...).
    public typealias EmptyRsp = EmptyReply

    /// `/init` (async): the MN introduces the router and says how often dnsmasq may be signalled.
    public struct InitCommand: Codable, Sendable, Equatable {
        public var uuid: String?
        public var restartDnsmasqAfterNumberOfSIGUSER1: Int?
        public var mgtCidr: String?
        public var logLevel: String?
        public var timeServers: [String]?
        public var parms: [String: String]?
        public init() {}
    }

    public struct InitRsp: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var zvrVersion: String?
        public var vyosVersion: String?
        public var kernelVersion: String?
        public var ipsecCurrentVersion: String?
        public var ipsecLatestVersion: String?
        public init() {}
    }

    /// `/ping` (async): connected iff the reply's `uuid` is the one `/init` gave.
    public struct PingCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public init(uuid: String? = nil) { self.uuid = uuid }
    }

    public struct PingRsp: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var uuid: String?
        public var version: String?
        public var haStatus: String?
        public var healthy: Bool?
        public var healthDetail: String?
        public var serviceHealthList: [String: [String: String]]?
        public init(uuid: String? = nil, version: String? = nil) {
            self.uuid = uuid
            self.version = version
        }
    }

    public struct NicInfo: Codable, Sendable, Equatable {
        public var ip: String?
        public var mac: String?
        public var gateway: String?
        public var netmask: String?
        public var isDefaultRoute: Bool?
        public var category: String?
        public var physicalInterface: String?
        public var l2type: String?
        public var vni: Int?
        public var firewallDefaultAction: String?
        public var mtu: Int?
        public var ip6: String?
        public var prefixLength: Int?
        public var gateway6: String?
        public var addressMode: String?
        public var state: String?
        public init() {}
    }

    /// `/configurenic` (async).
    public struct ConfigureNicCmd: Codable, Sendable, Equatable {
        public var nics: [NicInfo]?
        public init(nics: [NicInfo]? = nil) { self.nics = nics }
    }

    public struct DhcpInfo: Codable, Sendable, Equatable {
        public var ip: String?
        public var mac: String?
        public var netmask: String?
        public var gateway: String?
        public var dns: [String]?
        public var hostname: String?
        public var vrNicMac: String?
        public var dnsDomain: String?
        public var isDefaultL3Network: Bool?
        public var mtu: Int?
        public init() {}
    }

    /// `/adddhcp` (async); `rebuild` replaces every entry instead of merging.
    public struct AddDhcpEntryCmd: Codable, Sendable, Equatable {
        public var dhcpEntries: [DhcpInfo]?
        public var rebuild: Bool?
        public init(dhcpEntries: [DhcpInfo]? = nil, rebuild: Bool? = nil) {
            self.dhcpEntries = dhcpEntries
            self.rebuild = rebuild
        }
    }

    /// `/removedhcp` (async); only `mac`, `ip` and `vrNicMac` of each entry are read.
    public struct RemoveDhcpEntryCmd: Codable, Sendable, Equatable {
        public var dhcpEntries: [DhcpInfo]?
        public init(dhcpEntries: [DhcpInfo]? = nil) { self.dhcpEntries = dhcpEntries }
    }

    public struct DnsInfo: Codable, Sendable, Equatable {
        public var dnsAddress: String?
        public var nicMac: String?
        public init(dnsAddress: String? = nil, nicMac: String? = nil) {
            self.dnsAddress = dnsAddress
            self.nicMac = nicMac
        }
    }

    /// `/setdns` (async).
    public struct SetDnsCmd: Codable, Sendable, Equatable {
        public var dns: [DnsInfo]?
        public init(dns: [DnsInfo]? = nil) { self.dns = dns }
    }

    /// `/removedns` (async).
    public struct RemoveDnsCmd: Codable, Sendable, Equatable {
        public var dns: [DnsInfo]?
        public init(dns: [DnsInfo]? = nil) { self.dns = dns }
    }
}
