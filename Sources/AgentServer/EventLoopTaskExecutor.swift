import NIOCore

/// Runs a task's work on a connection's event loop. Certificate checks during a TLS handshake use it, so a
/// handshake never waits for a thread of the cooperative pool: with two cores that pool has two threads,
/// and blocking work elsewhere in the process must not stall every handshake.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
