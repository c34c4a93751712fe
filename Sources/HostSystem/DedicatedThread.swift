#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread of its own for work that blocks for the life of the process (libvirt's event loop, libssh's
/// blocking calls) or for long (hashing the agent's own files at start), outside the cooperative pool and
/// every NIO pool. A POSIX thread rather than Foundation's
/// `Thread`, which is not in FoundationEssentials and would link all of Foundation into the agents.
public enum DedicatedThread {
    /// Starts a detached thread named `name` (at most 15 bytes are kept, the kernel's limit) that runs
    /// `body`. The thread is never joined: `body` runs until it returns or the process exits. A thread that
    /// cannot be created (no memory, the thread limit reached) stops the process: nothing here can work without it.
    /// - Parameter niceness: added to the thread's nice value (Linux keeps one per thread), for work that
    ///   should only use CPU nothing else wants: 19 gives it about 1/70 of a CPU that a busy thread shares.
    public static func start(name: String, niceness: Int32 = 0, _ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(name: name, niceness: niceness, body: body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let created = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            job.nameCurrentThread()
            job.lowerCurrentThreadPriority()
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
        let niceness: Int32
        let body: @Sendable () -> Void

        init(name: String, niceness: Int32, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.niceness = niceness
            self.body = body
        }

        func lowerCurrentThreadPriority() {
            #if os(Linux)
            guard niceness > 0 else { return }
            // `who` 0 is the calling thread on Linux (elsewhere it would be the whole process). Failing leaves
            // the thread at the process's priority: slower for others, never wrong.
            let thread = __priority_which_t(PRIO_PROCESS.rawValue)
            errno = 0
            let current = getpriority(thread, 0)
            guard errno == 0 else { return }
            _ = setpriority(thread, 0, min(current + niceness, 19))
            #endif
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
