// KVM agent VM lifecycle commands (`KVMAgentCommands.java`). Field names are the Java field names (two
// start with a capital letter, as in Java); every request field is optional because the MN omits nulls.

extension KVM {
    /// `/vm/start` (async): the full description of a VM to define and start (`StartVmCmd` + `vdiCmd`).
    public struct StartVmCmd: Codable, Sendable, Equatable {
        public var kvmHostAddons: [String: JSONValue]?
        // vdiCmd
        /// `vnc` (open-source MN), `spice` or `vncAndSpice`.
        public var consoleMode: String?
        public var videoType: String?
        public var soundType: String?
        public var spiceStreamingMode: String?
        public var VDIMonitorNumber: Int?
        public var consolePassword: String?
        public var qxlMemory: [String: String]?
        public var spiceChannels: [String]?
        // StartVmCmd
        public var accountUuid: String?
        /// The domain name.
        public var vmInstanceUuid: String?
        public var vmInternalId: Int64?
        /// Becomes the domain `<description>`.
        public var vmName: String?
        public var imagePlatform: String?
        public var imageArchitecture: String?
        /// Bytes.
        public var memory: Int64?
        public var maxMemory: Int64?
        public var reservedMemory: Int64?
        public var cpuNum: Int?
        public var maxVcpuNum: Int?
        public var cpuSpeed: Int64?
        public var socketNum: Int?
        public var cpuOnSocket: Int?
        public var threadsPerCore: Int?
        /// Boot order, e.g. `["hd"]`, `["cdrom", "hd"]`, `["network"]`.
        public var bootDev: [String]?
        public var rootVolume: VolumeTO?
        public var memBalloon: VirtualDeviceInfo?
        public var cdRoms: [CdRomTO]?
        public var dataVolumes: [VolumeTO]?
        public var cacheVolumes: [VolumeTO]?
        public var nics: [NicTO]?
        /// Seconds.
        public var timeout: Int64?
        public var addons: [String: JSONValue]?
        public var instanceOfferingOnlineChange: Bool?
        /// `none`, `host-model`, `host-passthrough` or `custom`.
        public var nestedVirtualization: String?
        public var hostManagementIp: String?
        /// `utc` or `localtime`.
        public var clock: String?
        public var clockTrack: String?
        public var useNuma: Bool?
        public var MemAccess: String?
        public var noSharePages: Bool?
        public var usbRedirect: Bool?
        public var enableSecurityElement: Bool?
        public var useBootMenu: Bool?
        public var bootMenuSplashTimeout: Int?
        public var createPaused: Bool?
        public var kvmHiddenState: Bool?
        public var vmPortOff: Bool?
        public var vmCpuModel: String?
        public var emulateHyperV: Bool?
        public var hypervClock: Bool?
        public var vendorId: String?
        public var suspendToRam: Bool?
        public var suspendToDisk: Bool?
        public var additionalQmp: Bool?
        public var isApplianceVm: Bool?
        public var systemSerialNumber: String?
        /// `Legacy`, `UEFI`, `UEFI_WITH_CSM`.
        public var bootMode: String?
        public var secureBoot: Bool?
        public var fromForeignHypervisor: Bool?
        public var machineType: String?
        public var pciePortNums: Int?
        public var predefinedPciBridgeNum: Int?
        public var useHugePage: Bool?
        public var chassisAssetTag: String?
        public var priorityConfigStruct: PriorityConfigStruct?
        public var memorySnapshotPath: String?
        public var coloPrimary: Bool?
        public var coloSecondary: Bool?
        public var consoleLogToFile: Bool?
        public var acpi: Bool?
        public var x2apic: Bool?
        public var cpuHypervisorFeature: Bool?
        public var oemStrings: [String]?
        public var useColoBinary: Bool?
        public var vmCpuVendorId: String?
        public var qemu64BitPciMmioSetup: Bool?

        public init() {}
    }

    /// Reply of `/vm/start` and `/sync/vm/deviceinfo`: where each device sits (`VmDevicesInfoResponse`).
    public typealias StartVmResponse = VmDevicesInfoResponse
    public typealias SyncVmDeviceInfoResponse = VmDevicesInfoResponse

    public struct VmDevicesInfoResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var nicInfos: [VmNicInfo]?
        public var virtualDeviceInfoList: [VirtualDeviceInfo]?
        public var memBalloonInfo: VirtualDeviceInfo?
        public var virtualizerInfo: VirtualizerInfoTO?

        public init() {}
    }

    /// `/vm/stop` (async).
    public struct StopVmCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        /// `grace`, `cold` or `force` (`StopVmType`).
        public var type: String?
        /// Seconds (the MN sends 120).
        public var timeout: Int64?
        public var vmNics: [VmNicInventory]?

        public init() {}
    }

    /// `/vm/pause` and `/vm/resume` (async): `PauseVmCmd` and `ResumeVmCmd` have the same fields.
    public struct PauseVmCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var timeout: Int64?

        public init() {}
    }

    public typealias ResumeVmCmd = PauseVmCmd

    /// `/vm/reboot` (async).
    public struct RebootVmCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var timeout: Int64?
        public var bootDev: [String]?

        public init() {}
    }

    public struct RebootVmResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var virtualizerInfo: VirtualizerInfoTO?

        public init() {}
    }

    /// `/vm/destroy` (async). A missing domain is success.
    public struct DestroyVmCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var vmNics: [VmNicInventory]?

        public init() {}
    }

    /// Reply of `/vm/vmsync` (the command is `EmptyCommand`).
    public struct VmSyncResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        /// VM uuid → `Running`, `Shutdown`, `Paused`, `Crashed` or `NoState` (`KVMConstant.KvmVmState` names).
        public var states: [String: String]?
        public var vmInShutdowns: [String]?

        public init(states: [String: String]? = nil, vmInShutdowns: [String]? = nil) {
            self.states = states
            self.vmInShutdowns = vmInShutdowns
        }
    }

    /// `/vm/checkstate` (async).
    public struct CheckVmStateCmd: Codable, Sendable, Equatable {
        public var vmUuids: [String]?
        public var hostUuid: String?

        public init() {}
    }

    public struct CheckVmStateRsp: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var states: [String: String]?

        public init(states: [String: String]? = nil) {
            self.states = states
        }
    }
}

// Host-wide VM housekeeping the 5.x MN runs periodically.
extension KVM {
    /// `/vm/priority` (async): CPU shares and OOM score of running VMs.
    public struct UpdateVmPriorityCmd: Codable, Sendable, Equatable {
        public var priorityConfigStructs: [PriorityConfigStruct]?

        public init() {}
    }

    /// `/vm/volumesync` (async): `storagePaths` are `file://` directories or globs.
    public struct VolumeSyncCmd: Codable, Sendable, Equatable {
        public var storagePaths: [String]?

        public init() {}
    }

    /// Per storage path, the volume files no domain has used in this sync and the one before.
    public struct VolumeSyncRsp: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var inactiveVolumePaths: [String: [String]]?

        public init(inactiveVolumePaths: [String: [String]]? = nil) {
            self.inactiveVolumePaths = inactiveVolumePaths
        }
    }
}
