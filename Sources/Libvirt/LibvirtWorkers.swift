import NIOPosix

/// Where blocking libvirt calls run.
///
/// Every libvirt call can block (remote drivers do a round trip to libvirtd, qemu calls can take seconds),
/// so none may run on a NIO event loop or on Swift's cooperative pool. We use a small `NIOThreadPool`
/// rather than our own threads: it is already a dependency of the agents, it exposes `runIfActive` as an
/// `async` function, and each job runs start to finish on one thread, which is what libvirt's thread-local
/// errors need (the call and the read of its error happen in the same job).
public enum LibvirtWorkers {
    /// The process-wide pool used when a connection is opened without its own: 4 threads, started on
    /// first use and kept for the life of the process.
    public static let shared: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()
}
