// The flat network provider's EIP, gratuitous-ARP and VIP-QoS commands. EIPs: `FlatEipBackend.java`
// (`EipTO`, `ApplyEipCmd`, `DeleteEipCmd`, `BatchApplyEipCmd`, `BatchDeleteEipCmd`); every reply is the
// bare `FlatNetworkServiceConstant.AgentRsp` envelope. The MN's senders of the garp and vipqos commands are
// not in the open-source tree, so their fields are the ones the Python agent reads (`gratuitousARP.py`,
// `vipqos.py`). Field names are exactly those; every field is optional.

extension KVM.Path {
    public static let applyEip = "/flatnetworkprovider/eip/apply"
    public static let batchApplyEip = "/flatnetworkprovider/eip/batchapply"
    public static let deleteEip = "/flatnetworkprovider/eip/delete"
    public static let batchDeleteEip = "/flatnetworkprovider/eip/batchdelete"

    public static let applyGratuitousArp = "/flatnetworkprovider/garp/apply"
    public static let releaseGratuitousArp = "/flatnetworkprovider/garp/release"
    public static let gratuitousArpSettings = "/flatnetworkprovider/garp/settings"

    public static let applyVipQos = "/flatnetworkprovider/vipqos/apply"
    public static let deleteVipQos = "/flatnetworkprovider/vipqos/delete"
    public static let deleteAllVipQos = "/flatnetworkprovider/vipqos/deleteall"
}

extension KVM {
    /// One EIP as `FlatEipBackend.EipTO`: a VIP on the public L3's bridge NATed to a VM NIC's address on
    /// its private bridge. `skipArpCheck` and `addfdb` are Java primitives, so Gson always writes them.
    public struct EipTO: Codable, Sendable, Equatable {
        public var eipUuid: String?
        public var vipUuid: String?
        public var vmUuid: String?
        public var nicUuid: String?
        /// 4 or 6.
        public var ipVersion: Int?
        public var vip: String?
        public var vipNetmask: String?
        public var vipGateway: String?
        public var vipPrefixLen: Int?
        public var nicIp: String?
        public var nicMac: String?
        public var nicGateway: String?
        public var nicNetmask: String?
        public var nicPrefixLen: Int?
        /// The VM NIC's tap device on the host (`vnic12.0`).
        public var nicName: String?
        public var vmBridgeName: String?
        public var publicBridgeName: String?
        public var skipArpCheck: Bool?
        /// Whether the NIC is an SR-IOV VF whose physical NIC needs an fdb entry for the namespace.
        public var addfdb: Bool?
        public var physicalNic: String?

        public init() {}
    }

    /// `/flatnetworkprovider/eip/apply` (`ApplyEipCmd`) and `/flatnetworkprovider/eip/delete`
    /// (`DeleteEipCmd`): the same one field.
    public struct EipCmd: Codable, Sendable, Equatable {
        public var eip: EipTO?

        public init(eip: EipTO? = nil) { self.eip = eip }
    }

    /// `/flatnetworkprovider/eip/batchapply` (`BatchApplyEipCmd`) and `/flatnetworkprovider/eip/batchdelete`
    /// (`BatchDeleteEipCmd`).
    public struct BatchEipCmd: Codable, Sendable, Equatable {
        public var eips: [EipTO]?

        public init(eips: [EipTO]? = nil) { self.eips = eips }
    }

    /// One address the host announces for: what `gratuitousARP.py` keeps per bridge (`VmNic`).
    public struct GratuitousArpInfo: Codable, Sendable, Equatable, Hashable {
        public var ip: String?
        public var mac: String?
        /// The network namespace holding `ip` (an EIP's), when there is one.
        public var namespace: String?
        public var bridgeName: String?

        public init(ip: String? = nil, mac: String? = nil, namespace: String? = nil, bridgeName: String? = nil) {
            self.ip = ip
            self.mac = mac
            self.namespace = namespace
            self.bridgeName = bridgeName
        }
    }

    /// `/flatnetworkprovider/garp/apply`, `/release` and `/settings`: apply reads every field, release only
    /// `infos`, settings only `interval` and `state`.
    public struct GratuitousArpCmd: Codable, Sendable, Equatable {
        /// Forget every address first (the MN rebuilds the list on host connect).
        public var rebuild: Bool?
        /// Seconds between checks of the bonds' active slaves.
        public var interval: Int?
        /// Whether bond failovers trigger announcements.
        public var state: Bool?
        public var infos: [GratuitousArpInfo]?

        public init() {}
    }

    /// One VIP's bandwidth limit (`vipqos.py`'s rule): `vipUuid` is the EIP's uuid (its last nine
    /// characters name the EIP's devices), `port` 0 is the VIP's default class, bandwidths are tc rates and
    /// 0 leaves that direction alone.
    public struct VipQosSetting: Codable, Sendable, Equatable {
        public var vipUuid: String?
        public var vip: String?
        public var port: Int?
        public var inboundBandwidth: Int64?
        public var outboundBandwidth: Int64?

        public init() {}
    }

    /// `/flatnetworkprovider/vipqos/apply`, `/delete` and `/deleteall`.
    public struct VipQosCmd: Codable, Sendable, Equatable {
        public var vipQosSettings: [VipQosSetting]?

        public init(vipQosSettings: [VipQosSetting]? = nil) { self.vipQosSettings = vipQosSettings }
    }
}
