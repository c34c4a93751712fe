import CLibvirt
import NIOPosix
import Synchronization

/// An open libvirt connection (`virConnectPtr`).
///
/// Threading: libvirt connections are thread-safe; every method may be called concurrently from any task.
/// Each call runs as one job on `workers` (see `LibvirtWorkers`), never on the caller's thread.
///
/// Ownership: the connection owns one libvirt reference, dropped by `close()` or, as a fallback, by
/// `deinit`. Domains obtained from it hold their own references, so they keep working after `close()`
/// until they are closed themselves. After `close()` every method throws `LibvirtError.Code.closed`.
public final class LibvirtConnection: Sendable {
    /// The URI the connection was opened with, e.g. `qemu:///system` or `test:///default`.
    public let uri: String
    /// The pool every blocking call of this connection and its domains runs on.
    public let workers: NIOThreadPool
    /// Why libvirt closed the connection, at most once; finishes when the connection is closed.
    /// Single consumer (an `AsyncStream`). Drivers without a close notion (`test://`) never yield.
    public let closeEvents: AsyncStream<ConnectionCloseReason>

    let handle: RetainedHandle
    let subscriptions = Mutex<[Int32: AsyncStream<DomainEvent>.Continuation]>([:])  // by callback id
    private let closeSink: CloseSink

    private init(uri: String, workers: NIOThreadPool, handle: RetainedHandle, closeSink: CloseSink,
                 closeEvents: AsyncStream<ConnectionCloseReason>) {
        self.uri = uri
        self.workers = workers
        self.handle = handle
        self.closeSink = closeSink
        self.closeEvents = closeEvents
    }

    /// Opens a connection after making sure libvirt's event loop runs (`LibvirtEventLoop.start()`).
    ///
    /// - Parameters:
    ///   - uri: `qemu:///system` in production; `test:///default` (one shared in-memory host per process)
    ///     or `test:///<absolute path of a node XML>` in tests.
    ///   - keepAlive: keepalive probe interval (seconds) and count for remote drivers, so a dead libvirtd
    ///     is noticed (`closeEvents` yields `.keepaliveTimeout`). Ignored by drivers without keepalive.
    ///   - workers: where blocking calls run; the shared pool by default.
    /// - Throws: `LibvirtError` when the event loop cannot be registered or the URI cannot be opened.
    public static func open(uri: String, keepAlive: (interval: Int32, count: UInt32)? = (5, 3),
                            workers: NIOThreadPool = LibvirtWorkers.shared) async throws -> LibvirtConnection {
        try LibvirtEventLoop.start()
        let (closeEvents, continuation) = AsyncStream.makeStream(of: ConnectionCloseReason.self)
        let sink = CloseSink(continuation)
        let handle = try await workers.runIfActive { () throws(LibvirtError) -> RetainedHandle in
            RaisedError.clear()
            let pointer = try LibvirtError.check(virConnectOpen(uri), "virConnectOpen(\(uri))")
            let handle = RetainedHandle(pointer, kind: "libvirt connection",
                                        ref: { virConnectRef($0) }, unref: { virConnectClose($0) })
            if let keepAlive, virConnectSetKeepAlive(pointer, keepAlive.interval, keepAlive.count) < 0 {
                let error = LibvirtError.last("virConnectSetKeepAlive")
                // Local drivers have no keepalive; anything else means the connection is not usable.
                guard error.code == .noSupport else { throw error }
            }
            // The sink is owned by the Swift connection (no free callback): drivers without close support
            // accept the registration but would never call a free callback.
            try LibvirtError.check(virConnectRegisterCloseCallback(pointer, closeCallback,
                                                                   Unmanaged.passUnretained(sink).toOpaque(), nil),
                                   "virConnectRegisterCloseCallback")
            return handle
        }
        return LibvirtConnection(uri: uri, workers: workers, handle: handle, closeSink: sink,
                                 closeEvents: closeEvents)
    }

    deinit { shutDown() }

    /// Ends the domain-event streams and the close stream, unregisters callbacks and drops the connection's
    /// reference. Idempotent. Runs on `workers` because deregistering is a round trip for remote drivers.
    public func close() async {
        do {
            try await workers.runIfActive { self.shutDown() }
        } catch {
            shutDown()  // the pool was stopped: do it on this thread rather than leak the connection
        }
    }

    private func shutDown() {
        let streams = subscriptions.withLock { all in
            defer { all.removeAll() }
            return all
        }
        try? handle.withPointer("close") { pointer in
            for id in streams.keys { virConnectDomainEventDeregisterAny(pointer, id) }
            _ = virConnectUnregisterCloseCallback(pointer, closeCallback)
        }
        if handle.release() { closeSink.finish() }
        for continuation in streams.values { continuation.finish() }
    }

    /// Runs one blocking libvirt call with the connection pointer on `workers`.
    func perform<T: Sendable>(_ operation: String,
                              _ body: @escaping @Sendable (OpaquePointer) throws(LibvirtError) -> T) async throws -> T {
        try await workers.runIfActive { [handle] () throws(LibvirtError) -> T in
            try handle.withPointer(operation) { pointer throws(LibvirtError) in try body(pointer) }
        }
    }
}

// One function for register and unregister: libvirt refuses to unregister a different callback pointer.
private let closeCallback: virConnectCloseFunc = { _, reason, opaque in
    guard let opaque else { return }
    Unmanaged<CloseSink>.fromOpaque(opaque).takeUnretainedValue().deliver(reason)
}

/// Receives the close callback; the connection keeps it alive until the callback is unregistered.
final class CloseSink: Sendable {
    private let continuation: AsyncStream<ConnectionCloseReason>.Continuation

    init(_ continuation: AsyncStream<ConnectionCloseReason>.Continuation) {
        self.continuation = continuation
    }

    func deliver(_ reason: Int32) {
        continuation.yield(ConnectionCloseReason(rawValue: reason))
        continuation.finish()
    }

    func finish() { continuation.finish() }
}
