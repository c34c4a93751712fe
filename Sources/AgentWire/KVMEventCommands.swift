// Commands the KVM agent POSTs to the MN's `sendCommandUrl` with header `commandpath`
// (`KVMAgentCommands.java`). Plain classes in Java, without the `AgentCommand` base.

extension KVM {
    /// `/kvm/reportvmstate`: a VM changed state without a ZStack operation.
    public struct ReportVmStateCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?
        public var vmUuid: String?
        /// `Running`, `Shutdown`, `Paused`, ... (`KVMConstant.KvmVmState` names).
        public var vmState: String?

        public init(hostUuid: String? = nil, vmUuid: String? = nil, vmState: String? = nil) {
            self.hostUuid = hostUuid
            self.vmUuid = vmUuid
            self.vmState = vmState
        }
    }

    /// `/kvm/reconnectme`: the agent lost libvirt and is about to exit; the MN reconnects the host.
    public struct ReconnectMeCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?
        public var reason: String?

        public init(hostUuid: String? = nil, reason: String? = nil) {
            self.hostUuid = hostUuid
            self.reason = reason
        }
    }

    /// `/kvm/reportvmshutdown`, `/kvm/reportvmshutdown/from/guest`, `/kvm/reportvmreboot`, `/kvm/reportvmstart`,
    /// `/kvm/reportvmcrash`: the one-field VM events (`ReportVmShutdownEventCmd`, `ReportVmRebootEventCmd`, ...).
    public struct ReportVmEventCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?

        public init(vmUuid: String? = nil) {
            self.vmUuid = vmUuid
        }
    }
}
