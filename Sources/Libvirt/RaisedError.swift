import CLibvirt

#if canImport(Glibc)
import Glibc
#endif

/// The most recent specific error libvirt raised on the current thread, as seen by our error callback.
///
/// Some libvirt paths (e.g. schema validation on the test driver) raise a precise error and then reset it,
/// leaving only "An error occurred, but the cause is unknown" in `virGetLastError`. virsh recovers the
/// precise one from its error callback; we do the same, per thread, because libvirt errors are per thread.
enum RaisedError {
    struct Fields {
        var code: Int32
        var domain: Int32
        var message: String
    }

    private final class Slot {
        var fields: Fields?
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { slot in
            if let slot { Unmanaged<AnyObject>.fromOpaque(slot).release() }
        }
        return key
    }()

    private static var slot: Slot {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<Slot>.fromOpaque(existing).takeUnretainedValue()
        }
        let slot = Slot()
        pthread_setspecific(key, Unmanaged.passRetained(slot).toOpaque())
        return slot
    }

    /// Called by libvirt for every error it raises on this thread.
    static func record(_ error: virErrorPtr) {
        // The generic placeholder is what we are trying to see past; never let it overwrite a real error.
        guard !isPlaceholder(error) else { return }
        slot.fields = Fields(code: error.pointee.code, domain: error.pointee.domain,
                             message: error.pointee.message.map { String(cString: $0) } ?? "no message")
    }

    /// Forgets the recorded error; done at the start of every job so nothing leaks between calls.
    static func clear() { slot.fields = nil }

    /// The recorded error, cleared.
    static func take() -> Fields? {
        defer { slot.fields = nil }
        return slot.fields
    }

    /// libvirt's "cause is unknown" placeholder: an internal error from no subsystem.
    static func isPlaceholder(_ error: virErrorPtr) -> Bool {
        error.pointee.code == Int32(VIR_ERR_INTERNAL_ERROR.rawValue) && error.pointee.domain == Int32(VIR_FROM_NONE.rawValue)
    }
}
