// The flat network provider's DHCP, DNS and userdata commands to the KVM agent (`FlatDhcpBackend.java`,
// `FlatUserdataBackend.java`, `NetworkServiceHelper.HostRouteInfo`). Field names are the Java field names;
// every field is optional. Every path is async (mevoco.py `register_async_uri`); replies are the envelope
// except `/flatnetworkprovider/arping`'s.

extension KVM.Path {
    public static let flatDhcpConnect = "/flatnetworkprovider/dhcp/connect"
    public static let flatDhcpPrepare = "/flatnetworkprovider/dhcp/prepare"
    public static let flatDhcpBatchPrepare = "/flatnetworkprovider/dhcp/batchPrepare"
    public static let flatDhcpApply = "/flatnetworkprovider/dhcp/apply"
    public static let flatDhcpBatchApply = "/flatnetworkprovider/dhcp/batchApply"
    public static let flatDhcpRelease = "/flatnetworkprovider/dhcp/release"
    public static let flatDhcpResetDefaultGateway = "/flatnetworkprovider/dhcp/resetDefaultGateway"
    public static let flatDhcpDeleteNamespace = "/flatnetworkprovider/dhcp/deletenamespace"
    public static let flatDhcpFlush = "/flatnetworkprovider/dhcp/flush"
    public static let flatArping = "/flatnetworkprovider/arping"
    public static let flatUserdataApply = "/flatnetworkprovider/userdata/apply"
    public static let flatUserdataBatchApply = "/flatnetworkprovider/userdata/batchapply"
    public static let flatUserdataRelease = "/flatnetworkprovider/userdata/release"
    public static let flatUserdataCleanup = "/flatnetworkprovider/userdata/cleanup"
}

extension KVM {
    /// `NetworkServiceHelper.HostRouteInfo`: one static route of an L3 network.
    public struct HostRouteInfo: Codable, Sendable, Equatable {
        public var prefix: String?
        public var nexthop: String?

        public init(prefix: String? = nil, nexthop: String? = nil) {
            self.prefix = prefix
            self.nexthop = nexthop
        }
    }

    /// `FlatDhcpBackend.DhcpInfo`: one VM NIC's DHCP entry. `ipVersion` is 4, 6 or 46 (dual stack).
    public struct DhcpInfo: Codable, Sendable, Equatable {
        public var ipVersion: Int?
        public var raMode: String?
        public var enableRa: Bool?
        public var ip: String?
        public var ip6: String?
        public var mac: String?
        public var netmask: String?
        public var firstIp: String?
        public var endIp: String?
        public var prefixLength: Int?
        public var gateway: String?
        public var gateway6: String?
        public var hostname: String?
        public var isDefaultL3Network: Bool?
        public var dnsDomain: String?
        public var dns: [String]?
        public var dns6: [String]?
        public var bridgeName: String?
        public var namespaceName: String?
        public var l3NetworkUuid: String?
        public var mtu: Int?
        public var vmMultiGateway: Bool?
        public var hostRoutes: [HostRouteInfo]?
        public var nicType: String?
        public var vlanId: String?

        public init() {}
    }

    /// `/flatnetworkprovider/dhcp/apply` (`ApplyDhcpCmd`): the entries of one L3 network; `rebuild` replaces
    /// every entry of their namespaces instead of adding to them.
    public struct ApplyDhcpCmd: Codable, Sendable, Equatable {
        public var dhcp: [DhcpInfo]?
        public var rebuild: Bool?
        public var l3NetworkUuid: String?

        public init(dhcp: [DhcpInfo]? = nil, rebuild: Bool? = nil, l3NetworkUuid: String? = nil) {
            self.dhcp = dhcp
            self.rebuild = rebuild
            self.l3NetworkUuid = l3NetworkUuid
        }
    }

    /// `/flatnetworkprovider/dhcp/batchApply` (`BatchApplyDhcpCmd`): one `ApplyDhcpCmd` per L3 network, up
    /// to 50 (`DhcpApply`), each with its own `rebuild`.
    public struct BatchApplyDhcpCmd: Codable, Sendable, Equatable {
        public var dhcpInfos: [ApplyDhcpCmd]?

        public init(dhcpInfos: [ApplyDhcpCmd]? = nil) { self.dhcpInfos = dhcpInfos }
    }

    /// `/flatnetworkprovider/dhcp/release` (`ReleaseDhcpCmd`).
    public struct ReleaseDhcpCmd: Codable, Sendable, Equatable {
        public var dhcp: [DhcpInfo]?

        public init(dhcp: [DhcpInfo]? = nil) { self.dhcp = dhcp }
    }

    /// `/flatnetworkprovider/dhcp/prepare` (`PrepareDhcpCmd`): the namespace of one L3 network and the DHCP
    /// server's address in it. `ipVersion` 4, 6 or 46.
    public struct PrepareDhcpCmd: Codable, Sendable, Equatable {
        public var bridgeName: String?
        public var vlanId: String?
        public var dhcpServerIp: String?
        public var dhcpNetmask: String?
        public var namespaceName: String?
        public var ipVersion: Int?
        public var dhcp6ServerIp: String?
        public var prefixLen: Int?
        public var addressMode: String?

        public init() {}
    }

    /// `/flatnetworkprovider/dhcp/batchPrepare` (`BatchPrepareDhcpCmd`).
    public struct BatchPrepareDhcpCmd: Codable, Sendable, Equatable {
        public var dhcpInfos: [PrepareDhcpCmd]?

        public init(dhcpInfos: [PrepareDhcpCmd]? = nil) { self.dhcpInfos = dhcpInfos }
    }

    /// `/flatnetworkprovider/dhcp/resetDefaultGateway` (`ResetDefaultGatewayCmd`): a VM's default L3 network
    /// changed; its old NIC loses the router option, its new one gains it.
    public struct ResetDefaultGatewayCmd: Codable, Sendable, Equatable {
        public var bridgeNameOfGatewayToRemove: String?
        public var namespaceNameOfGatewayToRemove: String?
        public var gatewayToRemove: String?
        public var macOfGatewayToRemove: String?
        public var gatewayToAdd: String?
        public var macOfGatewayToAdd: String?
        public var bridgeNameOfGatewayToAdd: String?
        public var namespaceNameOfGatewayToAdd: String?

        public init() {}
    }

    /// `/flatnetworkprovider/dhcp/deletenamespace` (`DeleteNamespaceCmd`) and `/flatnetworkprovider/dhcp/flush`
    /// (`FlushDhcpNamespaceCmd`), which have the same two fields.
    public struct DhcpNamespaceCmd: Codable, Sendable, Equatable {
        public var bridgeName: String?
        public var namespaceName: String?

        public init(bridgeName: String? = nil, namespaceName: String? = nil) {
            self.bridgeName = bridgeName
            self.namespaceName = namespaceName
        }
    }

    /// `/flatnetworkprovider/arping` (`ArpingCmd`): who else answers for an address on the L2 network.
    public struct ArpingCmd: Codable, Sendable, Equatable {
        public var bridgeName: String?
        public var vlanId: String?
        public var namespaceName: String?
        public var targetIps: [String]?

        public init() {}
    }

    /// `ArpingRsp`: `result` maps the probed address to the MACs that answered (the MN reads
    /// `result.get(ip)`).
    public struct ArpingResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var result: [String: [String]]?

        public init(result: [String: [String]]? = nil) { self.result = result }
    }

    /// `FlatUserdataBackend.MetadataTO`.
    public struct MetadataTO: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var vmHostname: String?

        public init(vmUuid: String? = nil, vmHostname: String? = nil) {
            self.vmUuid = vmUuid
            self.vmHostname = vmHostname
        }
    }

    /// `FlatUserdataBackend.UserdataTO`: one VM's userdata and metadata, served to `vmIp` on
    /// 169.254.169.254 inside `namespaceName`; `port` is where the server listens (`Userdata.hostPort`, 1180).
    public struct UserdataTO: Codable, Sendable, Equatable {
        public var metadata: MetadataTO?
        public var userdataList: [String]?
        public var vmIp: String?
        public var netmask: String?
        public var dhcpServerIp: String?
        public var bridgeName: String?
        public var vlanId: String?
        public var namespaceName: String?
        public var l3NetworkUuid: String?
        public var agentConfig: [String: String]?
        public var port: Int?

        public init() {}
    }

    /// `/flatnetworkprovider/userdata/apply` (`ApplyUserdataCmd`).
    public struct ApplyUserdataCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?
        public var userdata: UserdataTO?

        public init(hostUuid: String? = nil, userdata: UserdataTO? = nil) {
            self.hostUuid = hostUuid
            self.userdata = userdata
        }
    }

    /// `/flatnetworkprovider/userdata/batchapply` (`BatchApplyUserdataCmd`): sent on host connect with
    /// `rebuild` true, which replaces every VM's data.
    public struct BatchApplyUserdataCmd: Codable, Sendable, Equatable {
        public var userdata: [UserdataTO]?
        public var rebuild: Bool?

        public init(userdata: [UserdataTO]? = nil, rebuild: Bool? = nil) {
            self.userdata = userdata
            self.rebuild = rebuild
        }
    }

    /// `/flatnetworkprovider/userdata/release` (`ReleaseUserdataCmd`): one VM's data goes.
    public struct ReleaseUserdataCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?
        public var vmIp: String?
        public var bridgeName: String?
        public var namespaceName: String?

        public init() {}
    }

    /// `/flatnetworkprovider/userdata/cleanup` (`CleanupUserdataCmd`): the L3 network was deleted.
    public struct CleanupUserdataCmd: Codable, Sendable, Equatable {
        public var bridgeName: String?
        public var l3NetworkUuid: String?
        public var namespaceName: String?

        public init() {}
    }
}
