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
}
