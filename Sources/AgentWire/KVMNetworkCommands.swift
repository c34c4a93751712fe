// KVM agent L2 bridge commands (`KVMAgentCommands.java`). Field names are the Java field names; every
// field is optional. The vlan variants add `vlan`; one struct per shape serves both paths.

extension KVM {
    /// `/network/l2novlan/createbridge` and, with `vlan`, `/network/l2vlan/createbridge`
    /// (`CreateBridgeCmd`, `CreateVlanBridgeCmd`). Replies are `EmptyReply`.
    public struct CreateBridgeCmd: Codable, Sendable, Equatable {
        public var physicalInterfaceName: String?
        public var bridgeName: String?
        public var l2NetworkUuid: String?
        public var disableIptables: Bool?
        public var mtu: Int?
        public var isolated: Bool?
        public var pvlan: String?
        /// Only in `CreateVlanBridgeCmd`.
        public var vlan: Int?

        public init() {}
    }

    /// `/network/l2novlan/checkbridge` and, with `vlan`, `/network/l2vlan/checkbridge`.
    public struct CheckBridgeCmd: Codable, Sendable, Equatable {
        public var physicalInterfaceName: String?
        public var bridgeName: String?
        /// Only in `CheckVlanBridgeCmd`.
        public var vlan: Int?

        public init() {}
    }

    /// `/network/l2novlan/deletebridge` and, with `vlan`, `/network/l2vlan/deletebridge`.
    public struct DeleteBridgeCmd: Codable, Sendable, Equatable {
        public var physicalInterfaceName: String?
        public var bridgeName: String?
        public var l2NetworkUuid: String?
        /// Only in `DeleteVlanBridgeCmd`.
        public var vlan: Int?

        public init() {}
    }

    /// `/network/bridge/addif`.
    public struct AddInterfaceToBridgeCmd: Codable, Sendable, Equatable {
        public var physicalInterfaceName: String?
        public var bridgeName: String?

        public init() {}
    }

    /// `/network/l2vlan/updatebridge` (async, `UpdateL2NetworkCmd`): an L2 network changed its VLAN (or
    /// between VLAN and no VLAN); the bridge keeps its name and swaps its port. The VLAN ids are Java
    /// `String`s; lenient decoding reads them as numbers. Reply: the envelope.
    public struct UpdateL2NetworkCmd: Codable, Sendable, Equatable {
        public var physicalInterfaceName: String?
        public var bridgeName: String?
        /// nil: the network no longer has a VLAN.
        public var newVlan: Int?
        /// nil: the network had no VLAN.
        public var oldVlan: Int?
        public var l2NetworkUuid: String?
        public var peers: [String]?

        public init() {}
    }
}
