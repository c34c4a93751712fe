/// A domain event as delivered by `LibvirtConnection.domainEvents()`: the kinds the KVM agent reports to
/// ZStack, on one stream so their order is libvirt's.
public enum DomainEvent: Sendable, Hashable {
    /// `VIR_DOMAIN_EVENT_ID_LIFECYCLE`.
    case lifecycle(DomainLifecycleEvent)
    /// `VIR_DOMAIN_EVENT_ID_REBOOT`: the guest was reset and boots again without leaving the running state
    /// (qemu reports a guest-initiated reboot, `virDomainReboot` and `virDomainReset` this way; the test
    /// driver never emits it).
    case reboot(domainName: String, domainUUID: String)

    /// The domain name (the ZStack VM uuid for domains ZStack defined).
    public var domainName: String {
        switch self {
        case .lifecycle(let event): event.domainName
        case .reboot(let name, _): name
        }
    }
}
