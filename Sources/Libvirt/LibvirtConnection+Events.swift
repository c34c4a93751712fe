import CLibvirt
import NIOPosix
import Synchronization

extension LibvirtConnection {
    /// Lifecycle and reboot events of every domain of this connection, including those caused by other
    /// clients, in the order libvirt emitted them.
    ///
    /// Events are delivered on libvirt's event-loop thread and buffered in the stream (unbounded, so a slow
    /// consumer never blocks that thread). Cancelling the consuming task, or dropping the stream,
    /// deregisters the callbacks; `close()` finishes the stream.
    /// - Throws: `LibvirtError` when libvirt refuses a registration (then none is left registered).
    public func domainEvents() async throws -> AsyncStream<DomainEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainEvent.self)
        let sink = DomainEventSink(continuation)
        let ids = try await perform("virConnectDomainEventRegisterAny") { pointer throws(LibvirtError) in
            // Both callbacks feed one stream: libvirt dispatches a connection's events one at a time, in order.
            let lifecycle = try register(pointer, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                         unsafeBitCast(lifecycleCallback, to: virConnectDomainEventGenericCallback.self),
                                         sink)
            do throws(LibvirtError) {
                return [lifecycle, try register(pointer, VIR_DOMAIN_EVENT_ID_REBOOT, rebootCallback, sink)]
            } catch {
                _ = virConnectDomainEventDeregisterAny(pointer, lifecycle)
                throw error
            }
        }
        subscriptions.withLock { all in
            for id in ids { all[id] = continuation }
        }
        continuation.onTermination = { [weak self] _ in self?.deregister(ids) }
        return stream
    }

    private func deregister(_ ids: [Int32]) {
        let registered = subscriptions.withLock { all in ids.filter { all.removeValue(forKey: $0) != nil } }
        guard !registered.isEmpty else { return }
        // onTermination runs on whatever thread ended the stream; the call may be a round trip, so hand it to
        // the workers instead of blocking that thread.
        workers.submit { [handle] _ in
            try? handle.withPointer("virConnectDomainEventDeregisterAny") { pointer in
                for id in registered { _ = virConnectDomainEventDeregisterAny(pointer, id) }
            }
        }
    }
}

/// Registers one callback for every domain; the registration holds a reference to `sink`, dropped by
/// libvirt's free callback when it is deregistered.
private func register(_ pointer: OpaquePointer, _ event: virDomainEventID,
                      _ callback: virConnectDomainEventGenericCallback,
                      _ sink: DomainEventSink) throws(LibvirtError) -> Int32 {
    let opaque = Unmanaged.passRetained(sink).toOpaque()
    let id = virConnectDomainEventRegisterAny(pointer, nil, Int32(event.rawValue), callback, opaque) {
        Unmanaged<DomainEventSink>.fromOpaque($0!).release()
    }
    if id < 0 {
        Unmanaged<DomainEventSink>.fromOpaque(opaque).release()
        throw LibvirtError.last("virConnectDomainEventRegisterAny")
    }
    return id
}

private let lifecycleCallback: virConnectDomainEventCallback = { _, domain, event, detail, opaque in
    guard let domain, let opaque else { return 0 }
    Unmanaged<DomainEventSink>.fromOpaque(opaque).takeUnretainedValue().continuation.yield(.lifecycle(
        DomainLifecycleEvent(domainName: LibvirtDomain.name(of: domain), domainUUID: LibvirtDomain.uuid(of: domain),
                             kind: DomainLifecycleEvent.Kind(rawValue: event), detail: detail)))
    return 0
}

private let rebootCallback: virConnectDomainEventGenericCallback = { _, domain, opaque in
    guard let domain, let opaque else { return }
    Unmanaged<DomainEventSink>.fromOpaque(opaque).takeUnretainedValue().continuation.yield(
        .reboot(domainName: LibvirtDomain.name(of: domain), domainUUID: LibvirtDomain.uuid(of: domain)))
}

/// Carries the stream's continuation through libvirt's `opaque`; libvirt's free callbacks release it.
final class DomainEventSink: Sendable {
    let continuation: AsyncStream<DomainEvent>.Continuation

    init(_ continuation: AsyncStream<DomainEvent>.Continuation) {
        self.continuation = continuation
    }
}
