import Dispatch
import HostSystem
import Synchronization

/// A fixed set of dedicated threads that run blocking libssh work, exposed to async code.
///
/// Why our own threads instead of `NIOThreadPool`: SSH is a leaf module and needs nothing else from SwiftNIO;
/// this is a FIFO queue and N threads (~60 lines) with no start/shutdown lifecycle to manage, and the threads
/// live for the whole process like the sessions they serve. Why not the cooperative pool or a global
/// dispatch queue: a job may sit in `poll()` for as long as a remote command runs, and blocking the
/// cooperative pool would stall unrelated tasks, while a global queue would grow threads without bound.
///
/// The thread count bounds how many SSH operations make progress at once (each blocks a thread while it
/// waits on the network); more queued jobs wait their turn in order.
public final class BlockingExecutor: Sendable {
    /// A process-wide executor with 8 threads, used when a client is created without one.
    public static let shared = BlockingExecutor(threads: 8)

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)

    /// Starts `threads` worker threads (at least 1). They are never stopped: create executors sparingly.
    public init(threads: Int) {
        for index in 0..<max(1, threads) {
            DedicatedThread.start(name: "ssh-blocking-\(index)") { [self] in
                while true {
                    self.available.wait()
                    let job = self.jobs.withLock { $0.removeFirst() }
                    job()
                }
            }
        }
    }

    /// Runs `body` on one of the executor's threads and returns its result.
    ///
    /// Cancelling the calling task does not interrupt `body`; it sets `cancellation`, which long jobs check
    /// between steps (and while waiting on the network) to stop early with `SSHError.cancelled`.
    func run<T: Sendable>(_ body: @escaping @Sendable (CancellationFlag) throws(SSHError) -> T) async throws(SSHError)
        -> T
    {
        let cancellation = CancellationFlag()
        let result: Result<T, SSHError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                enqueue {
                    continuation.resume(returning: Result { () throws(SSHError) in try body(cancellation) })
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(job) }
        available.signal()
    }
}

/// Set when the task that started a blocking job is cancelled; read by the job on its own thread.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { flag.load(ordering: .relaxed) }

    func cancel() { flag.store(true, ordering: .relaxed) }
}
