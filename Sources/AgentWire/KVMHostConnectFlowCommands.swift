// KVM agent commands of the MN's host connect flow beside connect/ping/fact (`KVMAgentCommands.java`:
// GetVirtualizerInfoCmd, UpdateDependencyCmd, ShutdownHostCmd, RebootHostCmd) and the migration helpers
// (HardenVmConsoleCmd, DeleteVmConsoleFirewallCmd, CleanVmFirmwareFlashCmd). Field names are the Java
// field names; request fields are optional.

extension KVM {
    /// `/vm/getvirtualizerinfo` (async): sent by every connect (`collect-virtualizer-info-for-running-vm`,
    /// an empty list for a new host) and after a migration.
    public struct GetVirtualizerInfoCmd: Codable, Sendable, Equatable {
        public var vmUuids: [String]?

        public init(vmUuids: [String]? = nil) {
            self.vmUuids = vmUuids
        }
    }

    /// The MN dereferences `hostInfo` (its `uuid` keys the saved record) and streams `vmInfoList`: both must
    /// be present on success.
    public struct GetVirtualizerInfoRsp: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var hostInfo: VirtualizerInfoTO?
        public var vmInfoList: [VirtualizerInfoTO]?

        public init(hostInfo: VirtualizerInfoTO? = nil, vmInfoList: [VirtualizerInfoTO]? = nil) {
            self.hostInfo = hostInfo
            self.vmInfoList = vmInfoList
        }
    }

    /// `/host/updatedependency` (async): sent by every reconnect while the MN's `updatePkgWhenConnect`
    /// is true (its default), and by an add when the cluster enables the experimental repository. The reply
    /// is the envelope only (`UpdateDependencyRsp`).
    public struct UpdateDependencyCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?
        /// A Java `boolean`: always sent, false unless a new host joins a cluster with the experimental repo.
        public var enableExpRepo: Bool?
        public var excludePackages: String?
        public var updatePackages: String?
        public var zstackRepo: String?

        public init(hostUuid: String? = nil, enableExpRepo: Bool? = nil, zstackRepo: String? = nil) {
            self.hostUuid = hostUuid
            self.enableExpRepo = enableExpRepo
            self.zstackRepo = zstackRepo
        }
    }

    /// `/vm/console/harden` (async): after a migration, the VM's console port only accepts connections to
    /// the host's management network. Reply: the envelope.
    public struct HardenVmConsoleCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var vmInternalId: Int64?
        public var hostManagementIp: String?

        public init(vmUuid: String? = nil, vmInternalId: Int64? = nil, hostManagementIp: String? = nil) {
            self.vmUuid = vmUuid
            self.vmInternalId = vmInternalId
            self.hostManagementIp = hostManagementIp
        }
    }

    /// `/vm/console/deletefirewall` (async): the source host drops the console rules of a VM that left.
    public typealias DeleteVmConsoleFirewallCmd = HardenVmConsoleCmd

    /// `/clean/firmware/flash` (async): the source host removes the UEFI variable store of a VM that left.
    public struct CleanVmFirmwareFlashCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?

        public init(vmUuid: String? = nil) {
            self.vmUuid = vmUuid
        }
    }
}
