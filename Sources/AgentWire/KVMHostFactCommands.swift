// KVM agent host commands beside connect/ping (`KVMAgentCommands.java`: HostCapacity, HostFact, CheckFile,
// CheckPhysicalNetworkInterface). Field names are the Java field names; request fields are optional.

extension KVM {
    /// Reply of `/host/capacity` (the command is `EmptyCommand`).
    public struct HostCapacityResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var cpuNum: Int64?
        /// MHz.
        public var cpuSpeed: Int64?
        public var usedCpu: Int64?
        /// Bytes.
        public var totalMemory: Int64?
        /// Bytes.
        public var usedMemory: Int64?
        public var cpuSockets: Int?

        public init() {}
    }

    /// Reply of `/host/fact` (the command is `EmptyCommand`). All strings except the lists, as in Java;
    /// `hvmCpuFlag` nil makes the MN refuse the host, `libvirtVersion` must be set.
    public struct HostFactResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var osDistribution: String?
        public var osVersion: String?
        public var osRelease: String?
        public var qemuImgVersion: String?
        public var libvirtVersion: String?
        /// `vmx`, `svm` or nil.
        public var hvmCpuFlag: String?
        public var eptFlag: String?
        public var cpuArchitecture: String?
        public var cpuModelName: String?
        public var cpuGHz: String?
        public var cpuProcessorNum: String?
        public var powerSupplyModelName: String?
        public var powerSupplyManufacturer: String?
        public var ipmiAddress: String?
        public var powerSupplyMaxPowerCapacity: String?
        public var hostCpuModelName: String?
        public var systemProductName: String?
        public var systemSerialNumber: String?
        public var systemManufacturer: String?
        public var systemUUID: String?
        public var biosVendor: String?
        public var biosVersion: String?
        public var biosReleaseDate: String?
        public var bmcVersion: String?
        public var uptime: String?
        public var memorySlotsMaximum: String?
        public var cpuCache: String?
        public var ipAddresses: [String]?
        public var libvirtCapabilities: [String]?
        public var virtualizerInfo: VirtualizerInfoTO?
        public var iscsiInitiatorName: String?

        public init() {}
    }

    /// `/host/checkfile` (async).
    public struct CheckFileOnHostCmd: Codable, Sendable, Equatable {
        /// A Java `Set`: a JSON list.
        public var paths: [String]?
        public var md5Return: Bool?

        public init() {}
    }

    public struct CheckFileOnHostResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        /// Path → md5 (or "" when `md5Return` is false) for each path that exists.
        public var existPaths: [String: String]?

        public init(existPaths: [String: String]? = nil) {
            self.existPaths = existPaths
        }
    }

    /// `/network/checkphysicalnetworkinterface` (sync).
    public struct CheckPhysicalNetworkInterfaceCmd: Codable, Sendable, Equatable {
        public var interfaceNames: [String]?

        public init() {}
    }

    public struct CheckPhysicalNetworkInterfaceResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var failedInterfaceNames: [String]?

        public init(failedInterfaceNames: [String]? = nil) {
            self.failedInterfaceNames = failedInterfaceNames
        }
    }
}
