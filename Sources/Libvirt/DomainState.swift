import CLibvirt

/// A domain's state (`virDomainState`).
public enum DomainState: Sendable, Hashable {
    case noState, running, blocked, paused, shutdown, shutoff, crashed, pmSuspended
    /// A state this wrapper does not know (newer libvirt), with libvirt's raw value.
    case other(Int32)

    /// Maps libvirt's raw `virDomainState`.
    public init(rawValue: Int32) {
        switch UInt32(bitPattern: rawValue) {
        case VIR_DOMAIN_NOSTATE.rawValue: self = .noState
        case VIR_DOMAIN_RUNNING.rawValue: self = .running
        case VIR_DOMAIN_BLOCKED.rawValue: self = .blocked
        case VIR_DOMAIN_PAUSED.rawValue: self = .paused
        case VIR_DOMAIN_SHUTDOWN.rawValue: self = .shutdown
        case VIR_DOMAIN_SHUTOFF.rawValue: self = .shutoff
        case VIR_DOMAIN_CRASHED.rawValue: self = .crashed
        case VIR_DOMAIN_PMSUSPENDED.rawValue: self = .pmSuspended
        default: self = .other(rawValue)
        }
    }
}

/// A state with libvirt's reason for it (a `virDomain<State>Reason` raw value whose meaning depends on the
/// state; for example `VIR_DOMAIN_SHUTOFF_DESTROYED` = 2 for `.shutoff`).
public struct DomainStateAndReason: Sendable, Hashable {
    public var state: DomainState
    public var reason: Int32

    public init(state: DomainState, reason: Int32) {
        self.state = state
        self.reason = reason
    }
}

/// `virDomainGetInfo`: sizes and CPU use of one domain.
public struct DomainInfo: Sendable, Equatable {
    public var state: DomainState
    /// Maximum memory in KiB.
    public var maxMemoryKiB: UInt64
    /// Current memory in KiB.
    public var memoryKiB: UInt64
    public var virtualCPUs: Int
    /// CPU time used, in nanoseconds.
    public var cpuTimeNanoseconds: UInt64

    public init(state: DomainState, maxMemoryKiB: UInt64, memoryKiB: UInt64, virtualCPUs: Int,
                cpuTimeNanoseconds: UInt64) {
        self.state = state
        self.maxMemoryKiB = maxMemoryKiB
        self.memoryKiB = memoryKiB
        self.virtualCPUs = virtualCPUs
        self.cpuTimeNanoseconds = cpuTimeNanoseconds
    }
}

/// One domain as listed in bulk by `LibvirtConnection.allDomains()`: identity and state, no handle.
public struct DomainSummary: Sendable, Hashable {
    /// The domain name (the ZStack VM uuid for domains ZStack defined).
    public var name: String
    /// libvirt's uuid of the domain, lower-case with dashes.
    public var uuid: String
    public var state: DomainStateAndReason

    public init(name: String, uuid: String, state: DomainStateAndReason) {
        self.name = name
        self.uuid = uuid
        self.state = state
    }
}
