import CLibvirt

/// A domain lifecycle event (`VIR_DOMAIN_EVENT_ID_LIFECYCLE`), one of the `DomainEvent`s delivered by
/// `LibvirtConnection.domainEvents()`.
public struct DomainLifecycleEvent: Sendable, Hashable {
    /// What happened (`virDomainEventType`).
    public enum Kind: Sendable, Hashable {
        case defined, undefined, started, suspended, resumed, stopped, shutdown, pmSuspended, crashed
        /// An event type this wrapper does not know (newer libvirt), with libvirt's raw value.
        case other(Int32)

        public init(rawValue: Int32) {
            switch UInt32(bitPattern: rawValue) {
            case VIR_DOMAIN_EVENT_DEFINED.rawValue: self = .defined
            case VIR_DOMAIN_EVENT_UNDEFINED.rawValue: self = .undefined
            case VIR_DOMAIN_EVENT_STARTED.rawValue: self = .started
            case VIR_DOMAIN_EVENT_SUSPENDED.rawValue: self = .suspended
            case VIR_DOMAIN_EVENT_RESUMED.rawValue: self = .resumed
            case VIR_DOMAIN_EVENT_STOPPED.rawValue: self = .stopped
            case VIR_DOMAIN_EVENT_SHUTDOWN.rawValue: self = .shutdown
            case VIR_DOMAIN_EVENT_PMSUSPENDED.rawValue: self = .pmSuspended
            case VIR_DOMAIN_EVENT_CRASHED.rawValue: self = .crashed
            default: self = .other(rawValue)
            }
        }
    }

    public var domainName: String
    public var domainUUID: String
    public var kind: Kind
    /// libvirt's detail for the kind, raw (`virDomainEvent<Kind>DetailType`, e.g.
    /// `VIR_DOMAIN_EVENT_STOPPED_DESTROYED` = 2 for `.stopped`).
    public var detail: Int32

    public init(domainName: String, domainUUID: String, kind: Kind, detail: Int32) {
        self.domainName = domainName
        self.domainUUID = domainUUID
        self.kind = kind
        self.detail = detail
    }

    /// The details of a `.shutdown` event (`virDomainEventShutdownDetailType`): the guest finished shutting
    /// down, and since libvirt 3.4 qemu also tells who asked for it.
    public enum ShutdownDetail {
        /// Who asked is unknown (older qemu).
        public static let finished = Int32(VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED.rawValue)
        /// The guest itself (e.g. the OS powered off, also after an ACPI power-button request).
        public static let guest = Int32(VIR_DOMAIN_EVENT_SHUTDOWN_GUEST.rawValue)
        /// The host (e.g. qemu got a signal or a QMP `quit`).
        public static let host = Int32(VIR_DOMAIN_EVENT_SHUTDOWN_HOST.rawValue)
    }
}

/// Why libvirt closed a connection (`virConnectCloseReason`), delivered by `LibvirtConnection.closeEvents`.
public enum ConnectionCloseReason: Sendable, Hashable {
    /// A socket or protocol error.
    case error
    /// libvirtd closed the connection (e.g. it was restarted).
    case endOfFile
    /// libvirtd stopped answering keepalive probes.
    case keepaliveTimeout
    /// Closed by the client.
    case client
    case other(Int32)

    init(rawValue: Int32) {
        switch UInt32(bitPattern: rawValue) {
        case VIR_CONNECT_CLOSE_REASON_ERROR.rawValue: self = .error
        case VIR_CONNECT_CLOSE_REASON_EOF.rawValue: self = .endOfFile
        case VIR_CONNECT_CLOSE_REASON_KEEPALIVE.rawValue: self = .keepaliveTimeout
        case VIR_CONNECT_CLOSE_REASON_CLIENT.rawValue: self = .client
        default: self = .other(rawValue)
        }
    }
}
