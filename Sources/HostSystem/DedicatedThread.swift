#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread of its own for work that blocks for the life of the process (libvirt's event loop, libssh's
/// blocking calls), outside the cooperative pool and every NIO pool. A POSIX thread rather than Foundation's
/// `Thread`, which is not in FoundationEssentials and would link all of Foundation into the agents.
public enum DedicatedThread {
    /// Starts a detached thread named `name` (at most 15 bytes are kept, the kernel's limit) that runs
    /// `body`. The thread is never joined: `body` runs until it returns or the process exits. A thread that
    /// cannot be created (no memory, the thread limit reached) stops the process: nothing here can work without it.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(name: name, body: body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let created = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.nameCurrentThread()
            job.body()
            return nil
        }, job)
        guard created == 0 else {
            preconditionFailure("cannot start thread \(name): \(String(cString: strerror(created)))")
        }
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        pthread_detach(thread!)
        #endif
    }

    private final class Job {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }

        func nameCurrentThread() {
            #if os(Linux)
            // Swift's Glibc module leaves out pthread_setname_np (a _GNU_SOURCE function); the kernel takes
            // the same name here. A name is only for ps and debuggers: failing to set it is harmless.
            _ = try? Files.writeExisting(Array(name.utf8.prefix(15)), to: "/proc/thread-self/comm")
            #else
            pthread_setname_np(String(decoding: name.utf8.prefix(15), as: UTF8.self))
            #endif
        }
    }
}
