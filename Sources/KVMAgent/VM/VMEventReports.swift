import AgentWire
import Libvirt

/// One POST to the MN's `sendCommandUrl` about a VM.
public enum VMEventReport: Sendable, Equatable {
    /// `/kvm/reportvmstate`.
    case state(KVM.ReportVmStateCmd)
    /// `/kvm/reportvmstart`, `/kvm/reportvmshutdown`, ...: the events that carry only `vmUuid`.
    case event(path: String, KVM.ReportVmEventCmd)

    public var path: String {
        switch self {
        case .state: KVM.ManagementNodePath.reportVmState
        case .event(let path, _): path
        }
    }
}

/// What the MN is told about one libvirt event, in the order it is posted.
///
/// The one-field events are vm_plugin's (ZStack 5.x `register_libvirt_event`), sent whoever caused the
/// change, as Python does: every `started` → `/kvm/reportvmstart` (the MN refreshes the VM's virtualizer
/// info); every `shutdown` (the guest finished shutting down; qemu emits it, the test driver never does) →
/// `/kvm/reportvmshutdown`, and also `/kvm/reportvmshutdown/from/guest` when the guest asked for it
/// (detail `VIR_DOMAIN_EVENT_SHUTDOWN_GUEST`); every `crashed` (a guest panic through a pvpanic device) →
/// `/kvm/reportvmcrash`; a reboot event → `/kvm/reportvmreboot` unless `ExpectedEvents` holds it back (the
/// agent's own reboot, or a reset within the quiet period after the last one).
///
/// `/kvm/reportvmstate` comes first, for a state change the agent did not cause. Python 5.x no longer sends
/// it (its lifecycle handler has been disabled since 2.3); the MN still handles it (`KvmVmSyncPingTask`:
/// `VmStateChangedOnHostMsg`), and it is how the MN learns of a change made behind its back before the
/// next vmsync.
public struct VMEventReports: Sendable {
    public let expected: ExpectedEvents

    public init(expected: ExpectedEvents) {
        self.expected = expected
    }

    /// The reports for one event, in posting order. Consumes the `ExpectedEvents` entry the event matches,
    /// so call it once per event. `hostUuid` is the one `/host/connect` gave.
    public func reports(for event: DomainEvent, hostUuid: String?) -> [VMEventReport] {
        let vm = KVM.ReportVmEventCmd(vmUuid: event.domainName)
        switch event {
        case .reboot:
            guard expected.reportsReboot(of: event.domainName) else { return [] }
            return [.event(path: KVM.ManagementNodePath.reportVmReboot, vm)]
        case .lifecycle(let lifecycle):
            var reports: [VMEventReport] = []
            if let state = Self.vmState(after: lifecycle.kind), !expected.consume(lifecycle) {
                reports.append(.state(KVM.ReportVmStateCmd(hostUuid: hostUuid, vmUuid: lifecycle.domainName,
                                                           vmState: state.rawValue)))
            }
            switch lifecycle.kind {
            case .started:
                reports.append(.event(path: KVM.ManagementNodePath.reportVmStart, vm))
            case .shutdown:
                reports.append(.event(path: KVM.ManagementNodePath.reportVmShutdown, vm))
                if lifecycle.detail == DomainLifecycleEvent.ShutdownDetail.guest {
                    reports.append(.event(path: KVM.ManagementNodePath.reportVmShutdownFromGuest, vm))
                }
            case .crashed:
                reports.append(.event(path: KVM.ManagementNodePath.reportVmCrash, vm))
            case .defined, .undefined, .suspended, .resumed, .stopped, .pmSuspended, .other:
                break
            }
            return reports
        }
    }

    /// The state ZStack records for an event; nil for events that do not change it (define, undefine, ...).
    static func vmState(after kind: DomainLifecycleEvent.Kind) -> KvmVmState? {
        switch kind {
        case .started, .resumed: .running
        case .suspended, .pmSuspended: .paused
        case .stopped: .shutdown
        case .crashed: .crashed
        case .defined, .undefined, .shutdown, .other: nil
        }
    }
}
