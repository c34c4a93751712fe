import Libvirt

/// ZStack's names for VM states on a KVM host (`KVMConstant.KvmVmState`).
///
/// The MN parses them with `KvmVmState.valueOf`, and `VmTracer` refuses `Suspended` (it maps to Unknown),
/// so only these five are ever sent.
public enum KvmVmState: String, Sendable, CaseIterable {
    case running = "Running"
    case shutdown = "Shutdown"
    case paused = "Paused"
    case crashed = "Crashed"
    case noState = "NoState"

    /// libvirt's state in ZStack's words, as the Python agent maps it (blocked counts as running, a guest
    /// in the middle of shutting down as shut down, PM-suspended as paused).
    public init(_ state: DomainState) {
        switch state {
        case .running, .blocked: self = .running
        case .paused, .pmSuspended: self = .paused
        case .shutdown, .shutoff: self = .shutdown
        case .crashed: self = .crashed
        case .noState, .other: self = .noState
        }
    }
}
