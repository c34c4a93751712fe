// Objects nested in KVM commands (`KVMAgentCommands.java`: VolumeTO, NicTO, CdRomTO, ...). Field names are
// the Java field names; every field is optional because the MN omits nulls.

extension KVM {
    /// A PCI/drive address as ZStack passes it (`DeviceAddress`); every part is a string on the wire.
    public struct DeviceAddress: Codable, Sendable, Equatable {
        public var type: String?
        public var bus: String?
        public var domain: String?
        public var slot: String?
        public var function: String?
        public var controller: String?
        public var target: String?
        public var unit: String?

        public init() {}
    }

    /// A disk of a VM (`VolumeTO`, a `BaseVirtualDeviceTO`).
    public struct VolumeTO: Codable, Sendable, Equatable {
        public var resourceUuid: String?
        public var deviceAddress: DeviceAddress?
        public var installPath: String?
        public var deviceId: Int?
        /// `file` (default), `block`, `iscsi`, `ceph`, `scsilun`, `spool`, `vhost`, `cbd`.
        public var deviceType: String?
        public var volumeUuid: String?
        public var useVirtio: Bool?
        public var useVirtioSCSI: Bool?
        public var shareable: Bool?
        /// `none`, `writethrough` or `writeback`.
        public var cacheMode: String?
        public var aioNative: Bool?
        public var wwn: String?
        public var bootOrder: Int?
        public var physicalBlockSize: Int?
        /// `Root`, `Data`, ...
        public var type: String?
        /// `qcow2` or `raw`.
        public var format: String?
        public var primaryStorageType: String?
        public var multiQueues: String?
        public var ioThreadId: Int?
        public var ioThreadPin: String?
        public var controllerIndex: Int?

        public init() {}
    }

    /// vhost tuning of a NIC (`VHostAddOn`).
    public struct VHostAddOn: Codable, Sendable, Equatable {
        public var queueNum: Int?
        public var rxBufferSize: String?
        public var txBufferSize: String?

        public init() {}
    }

    /// A network interface of a VM (`NicTO`).
    public struct NicTO: Codable, Sendable, Equatable {
        public var resourceUuid: String?
        public var deviceAddress: DeviceAddress?
        public var mac: String?
        public var ips: [String]?
        public var bridgeName: String?
        public var physicalInterface: String?
        public var uuid: String?
        /// The tap device name, e.g. `vnic12.0`.
        public var nicInternalName: String?
        public var deviceId: Int?
        public var metaData: String?
        public var useVirtio: Bool?
        public var bootOrder: Int?
        public var mtu: Int?
        public var driverType: String?
        public var vHostAddOn: VHostAddOn?
        public var pci: DeviceAddress?
        /// `VNIC`, `VF`, `vDPA`, `TFVNIC`, ...
        public var type: String?
        public var state: String?
        public var vlanId: String?
        public var pciDeviceAddress: String?
        public var ipForTf: String?
        public var l2NetworkUuid: String?
        public var srcPath: String?
        public var cleanTraffic: Bool?
        public var isolated: Bool?

        public init() {}
    }

    /// A CD-ROM drive of a VM (`CdRomTO`, which extends `IsoTO`).
    public struct CdRomTO: Codable, Sendable, Equatable {
        public var resourceUuid: String?
        public var deviceAddress: DeviceAddress?
        public var path: String?
        public var imageUuid: String?
        public var primaryStorageUuid: String?
        public var `protocol`: String?
        public var deviceId: Int?
        /// True for a drive with no medium.
        public var isEmpty: Bool?
        public var bootOrder: Int?

        public init() {}
    }

    /// A device and where the hypervisor placed it (`VirtualDeviceInfo`).
    public struct VirtualDeviceInfo: Codable, Sendable, Equatable {
        public var resourceUuid: String?
        public var deviceAddress: DeviceAddress?

        public init(resourceUuid: String? = nil, deviceAddress: DeviceAddress? = nil) {
            self.resourceUuid = resourceUuid
            self.deviceAddress = deviceAddress
        }
    }

    /// A NIC and where the hypervisor placed it (`VmNicInfo`).
    public struct VmNicInfo: Codable, Sendable, Equatable {
        public var macAddress: String?
        public var deviceAddress: DeviceAddress?

        public init(macAddress: String? = nil, deviceAddress: DeviceAddress? = nil) {
            self.macAddress = macAddress
            self.deviceAddress = deviceAddress
        }
    }

    /// The virtualizer of a host or VM (`VirtualizerInfoTO`).
    public struct VirtualizerInfoTO: Codable, Sendable, Equatable {
        public var uuid: String?
        /// `qemu-kvm` or `qemu`.
        public var virtualizer: String?
        public var version: String?

        public init(uuid: String? = nil, virtualizer: String? = nil, version: String? = nil) {
            self.uuid = uuid
            self.virtualizer = virtualizer
            self.version = version
        }
    }

    /// A NIC as the MN's database knows it (`VmNicInventory`, in StopVm/DestroyVm `vmNics`).
    public struct VmNicInventory: Codable, Sendable, Equatable {
        public var uuid: String?
        public var vmInstanceUuid: String?
        public var usedIpUuid: String?
        public var l3NetworkUuid: String?
        public var ip: String?
        public var mac: String?
        public var hypervisorType: String?
        public var netmask: String?
        public var gateway: String?
        public var metaData: String?
        public var ipVersion: Int?
        public var driverType: String?
        public var usedIps: [JSONValue]?
        public var internalName: String?
        public var deviceId: Int?
        public var type: String?
        public var state: String?
        public var createDate: String?
        public var lastOpDate: String?

        public init() {}
    }

    /// CPU and OOM priority of a VM (`PriorityConfigStruct`).
    public struct PriorityConfigStruct: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var cpuShares: Int?
        public var oomScoreAdj: Int?

        public init() {}
    }
}
