// KVM agent commands that change a VM's devices or placement (`KVMAgentCommands.java`). Field names are the
// Java field names; every request field is optional because the MN omits nulls.

extension KVM {
    /// `/vm/getvncport` (async).
    public struct GetVncPortCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?

        public init() {}
    }

    public struct GetVncPortResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var port: Int?
        public var `protocol`: String?
        public var vncPort: Int?
        public var spicePort: Int?
        public var spiceTlsPort: Int?

        public init() {}
    }

    /// `/vm/attachdatavolume` (async).
    public struct AttachDataVolumeCmd: Codable, Sendable, Equatable {
        public var volume: VolumeTO?
        public var vmInstanceUuid: String?
        public var addons: [String: JSONValue]?

        public init() {}
    }

    /// Reply of `/vm/attachdatavolume` and `/vm/attachnic`.
    public struct VirtualDeviceInfoResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var virtualDeviceInfoList: [VirtualDeviceInfo]?

        public init(virtualDeviceInfoList: [VirtualDeviceInfo]? = nil) {
            self.virtualDeviceInfoList = virtualDeviceInfoList
        }
    }

    /// `/vm/detachdatavolume` (async).
    public struct DetachDataVolumeCmd: Codable, Sendable, Equatable {
        public var volume: VolumeTO?
        public var vmInstanceUuid: String?

        public init() {}
    }

    /// `/vm/attachnic` (async).
    public struct AttachNicCommand: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var nic: NicTO?
        public var accountUuid: String?
        public var addons: [String: JSONValue]?

        public init() {}
    }

    /// `/vm/detachnic` (async).
    public struct DetachNicCommand: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var nic: NicTO?

        public init() {}
    }

    /// `/vm/online/changecpumem` (async).
    public struct ChangeCpuMemoryCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var cpuNum: Int?
        /// Bytes.
        public var memorySize: Int64?

        public init() {}
    }

    public struct ChangeCpuMemoryResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var cpuNum: Int?
        public var memorySize: Int64?

        public init(cpuNum: Int? = nil, memorySize: Int64? = nil) {
            self.cpuNum = cpuNum
            self.memorySize = memorySize
        }
    }

    /// `/vm/migrate` (async).
    public struct MigrateVmCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var destHostIp: String?
        public var destHostManagementIp: String?
        public var storageMigrationPolicy: String?
        public var srcHostIp: String?
        public var useNuma: Bool?
        public var migrateFromDestination: Bool?
        public var autoConverge: Bool?
        public var downTime: Int?
        public var xbzrle: Bool?
        public var vdpaPaths: [String]?
        public var nics: [NicTO]?
        public var disks: [String: VolumeTO]?
        public var reload: Bool?
        public var bandwidth: Int64?
        /// The MN's thread context; its `api` entry is the id `/job/cancel` names the migration by.
        public var threadContext: [String: JSONValue]?

        public init() {}
    }

    /// `/job/cancel` (async): cancel the job started by API `cancellationApiId`.
    public struct CancelCmd: Codable, Sendable, Equatable {
        public var cancellationApiId: String?
        public var times: Int?
        public var interval: Int?

        public init() {}
    }
}
