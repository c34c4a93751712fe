#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

// The commands a ZStack 5.x MN sends for a running VM's devices and size.
extension KVM {
    /// `/sync/vm/deviceinfo` (async): the device addresses of a running VM; the reply is `VmDevicesInfoResponse`.
    public struct SyncVmDeviceInfoCmd: Codable, Sendable, Equatable {
        public var vmInstanceUuid: String?

        public init() {}
    }

    /// `/vm/getdeviceaddress` (async): `deviceTOs` maps a resource type (`VolumeVO`) to its transfer objects.
    public struct GetVmDeviceAddressCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        /// Kept as JSON: each resource type has transfer objects of its own shape.
        public var deviceTOs: [String: [JSONValue]]?

        public init() {}

        /// The volumes asked for (`deviceTOs["VolumeVO"]`), the one resource type with device addresses.
        public func volumes() throws(WireDecodingError) -> [VolumeTO] {
            guard let volumes = deviceTOs?["VolumeVO"] else { return [] }
            let bytes: Data
            do { bytes = try WireJSON.encode(volumes) } catch { throw WireDecodingError(message: "deviceTOs.VolumeVO: \(error)") }
            return try WireJSON.decode([VolumeTO].self, from: bytes)
        }
    }

    public struct GetVmDeviceAddressRsp: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var addresses: [String: [VmDeviceAddressTO]]?

        public init(addresses: [String: [VmDeviceAddressTO]]? = nil) {
            self.addresses = addresses
        }
    }

    /// One device's address as the guest sees it (`VmDeviceAddressTO`): `pci` `0000:00:05.0`, `wwn`, or the
    /// bus and `unknown`.
    public struct VmDeviceAddressTO: Codable, Sendable, Equatable {
        public var addressType: String?
        public var address: String?
        public var deviceType: String?
        public var uuid: String?

        public init(addressType: String? = nil, address: String? = nil, deviceType: String? = nil, uuid: String? = nil) {
            self.addressType = addressType
            self.address = address
            self.deviceType = deviceType
            self.uuid = uuid
        }
    }

    /// `/vm/increase/cpu` (async): the 5.x MN's online CPU change.
    public struct IncreaseCpuCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var cpuNum: Int?

        public init() {}
    }

    public struct IncreaseCpuResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var cpuNum: Int?

        public init(cpuNum: Int? = nil) {
            self.cpuNum = cpuNum
        }
    }

    /// `/vm/increase/mem` (async): the 5.x MN's online memory change; bytes.
    public struct IncreaseMemoryCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var memorySize: Int64?

        public init() {}
    }

    public struct IncreaseMemoryResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        /// Bytes.
        public var memorySize: Int64?

        public init(memorySize: Int64? = nil) {
            self.memorySize = memorySize
        }
    }

    /// An ISO for a CD-ROM drive (`IsoTO`). Java's `CdRomTO` extends it with `isEmpty` and `bootOrder`, both
    /// optional here, so one type serves both; `deviceId` is the drive (0, 1, 2: `hdc`, `hdd`, `hde`).
    public typealias IsoTO = CdRomTO

    /// `/vm/iso/attach` (async): insert the ISO into the drive `iso.deviceId`.
    public struct AttachIsoCmd: Codable, Sendable, Equatable {
        public var iso: IsoTO?
        public var vmUuid: String?

        public init() {}
    }

    /// `/vm/iso/detach` (async): eject the drive `deviceId`.
    public struct DetachIsoCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var isoUuid: String?
        public var deviceId: Int?

        public init() {}
    }

    /// `/vm/updatenic` (async): rewrite the NICs' bridge, model or MTU on the running VM.
    public struct UpdateNicCmd: Codable, Sendable, Equatable {
        public var vmInstanceUuid: String?
        public var nics: [NicTO]?
        public var addons: [String: JSONValue]?
        public var accountUuid: String?

        public init() {}
    }

    /// `/vm/changenicstate` (async): `state` is `enable` or `disable` (link up or down).
    public struct ChangeVmNicStateCommand: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var state: String?
        public var nic: NicTO?

        public init() {}
    }
}
