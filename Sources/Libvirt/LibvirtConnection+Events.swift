import CLibvirt
import NIOPosix
import Synchronization

extension LibvirtConnection {
    /// Lifecycle events of every domain of this connection, including those caused by other clients.
    ///
    /// Events are delivered on libvirt's event-loop thread and buffered in the stream (unbounded, so a slow
    /// consumer never blocks that thread). Cancelling the consuming task, or dropping the stream,
    /// deregisters the callback; `close()` finishes the stream.
    /// - Throws: `LibvirtError` when libvirt refuses the registration.
    public func lifecycleEvents() async throws -> AsyncStream<DomainLifecycleEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainLifecycleEvent.self)
        let sink = LifecycleSink(continuation)
        let id = try await perform("virConnectDomainEventRegisterAny") { pointer throws(LibvirtError) in
            let opaque = Unmanaged.passRetained(sink).toOpaque()
            let id = virConnectDomainEventRegisterAny(
                pointer, nil, Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue),
                unsafeBitCast(lifecycleCallback, to: virConnectDomainEventGenericCallback.self),
                opaque, { Unmanaged<LifecycleSink>.fromOpaque($0!).release() })
            if id < 0 {
                Unmanaged<LifecycleSink>.fromOpaque(opaque).release()
                throw LibvirtError.last("virConnectDomainEventRegisterAny")
            }
            return id
        }
        subscriptions.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.deregister(id) }
        return stream
    }

    private func deregister(_ id: Int32) {
        guard subscriptions.withLock({ $0.removeValue(forKey: id) }) != nil else { return }
        // onTermination runs on whatever thread ended the stream; the call may be a round trip, so hand it to
        // the workers instead of blocking that thread.
        workers.submit { [handle] _ in
            try? handle.withPointer("virConnectDomainEventDeregisterAny") { pointer in
                _ = virConnectDomainEventDeregisterAny(pointer, id)
            }
        }
    }
}

private let lifecycleCallback: virConnectDomainEventCallback = { _, domain, event, detail, opaque in
    guard let domain, let opaque else { return 0 }
    Unmanaged<LifecycleSink>.fromOpaque(opaque).takeUnretainedValue().continuation.yield(DomainLifecycleEvent(
        domainName: LibvirtDomain.name(of: domain), domainUUID: LibvirtDomain.uuid(of: domain),
        kind: DomainLifecycleEvent.Kind(rawValue: event), detail: detail))
    return 0
}

/// Carries the stream's continuation through libvirt's `opaque`; libvirt's free callback releases it.
final class LifecycleSink: Sendable {
    let continuation: AsyncStream<DomainLifecycleEvent>.Continuation

    init(_ continuation: AsyncStream<DomainLifecycleEvent>.Continuation) {
        self.continuation = continuation
    }
}
