import CLibvirt
import HostSystem
import Synchronization

/// libvirt's default event loop, run on one dedicated thread for the life of the process, and the other
/// once-per-process setup: an error callback that records errors for `LibvirtError` instead of letting
/// libvirt print them to stderr.
///
/// Domain events, close callbacks and keepalive all need an event loop, and libvirt only attaches one to
/// connections opened *after* `virEventRegisterDefaultImpl`. `LibvirtConnection.open` therefore calls
/// `start()` first; calling it yourself is only needed to fail early. libvirt offers no way to unregister
/// the default implementation, so the thread is never stopped.
public enum LibvirtEventLoop {
    private static let state = Mutex<Result<Void, LibvirtError>?>(nil)

    /// Installs the error callback, registers the default implementation and starts the thread that runs it. Idempotent and thread-safe;
    /// a registration failure is remembered and thrown by every later call.
    public static func start() throws(LibvirtError) {
        let result = state.withLock { started -> Result<Void, LibvirtError> in
            if let started { return started }
            let outcome: Result<Void, LibvirtError>
            virSetErrorFunc(nil) { _, error in
                if let error { RaisedError.record(error) }
            }
            if virEventRegisterDefaultImpl() < 0 {
                outcome = .failure(LibvirtError.last("virEventRegisterDefaultImpl"))
            } else {
                // The loop needs a thread of its own, outside every pool.
                DedicatedThread.start(name: "libvirt-events") {
                    // Each iteration waits for and dispatches one round of events; errors there are
                    // transient (EINTR) and libvirt has already logged them.
                    while true { _ = virEventRunDefaultImpl() }
                }
                outcome = .success(())
            }
            started = outcome
            return outcome
        }
        try result.get()
    }
}
