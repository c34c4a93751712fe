import Synchronization

/// One owned reference to a reference-counted libvirt object (`virConnectPtr`, `virDomainPtr`).
///
/// libvirt objects are thread-safe and reference counted. Each job borrows the handle by taking an extra
/// reference under the lock, so `release()` from another thread can never free the object under a call in
/// flight: the object goes away when the last job drops its reference.
final class RetainedHandle: Sendable {
    // Immutable and only dereferenced by libvirt, which locks internally; `isOwned` guards our reference.
    nonisolated(unsafe) private let pointer: OpaquePointer
    private let isOwned = Mutex(true)
    private let ref: @Sendable (OpaquePointer) -> Int32
    private let unref: @Sendable (OpaquePointer) -> Int32
    private let kind: String

    init(_ pointer: OpaquePointer, kind: String,
         ref: @escaping @Sendable (OpaquePointer) -> Int32, unref: @escaping @Sendable (OpaquePointer) -> Int32) {
        self.pointer = pointer
        self.kind = kind
        self.ref = ref
        self.unref = unref
    }

    deinit { release() }

    /// Runs `body` with a referenced pointer, or throws `.closed` after `release()`.
    func withPointer<T>(_ operation: String, _ body: (OpaquePointer) throws(LibvirtError) -> T) throws(LibvirtError) -> T {
        let borrowed = isOwned.withLock { owned -> Bool in
            guard owned else { return false }
            _ = ref(pointer)
            return true
        }
        guard borrowed else {
            throw LibvirtError(code: .closed, message: "the \(kind) is closed", operation: operation)
        }
        defer { _ = unref(pointer) }
        RaisedError.clear()
        return try body(pointer)
    }

    /// Drops our reference once; later `withPointer` calls throw. Returns false when already released.
    @discardableResult
    func release() -> Bool {
        let wasOwned = isOwned.withLock { owned in
            defer { owned = false }
            return owned
        }
        if wasOwned { _ = unref(pointer) }
        return wasOwned
    }
}
