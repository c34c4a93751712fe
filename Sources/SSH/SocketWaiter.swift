import Glibc

/// Waits for a socket to become ready, bounded by a deadline and interruptible by task cancellation.
enum SocketWaiter {
    /// How often a wait wakes up to look at the cancellation flag; short enough that cancelling feels
    /// immediate, long enough to cost nothing.
    private static let cancellationCheckMilliseconds: Int32 = 100

    /// Returns once `fd` reports one of `events` (or an error/hang-up, which the next read or write reports).
    /// - Throws: `.timeout` naming `what` when the deadline passes, `.cancelled` when the task is cancelled.
    static func wait(fd: Int32, events: Int16, deadline: Deadline, cancellation: CancellationFlag, what: String)
        throws(SSHError)
    {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        while true {
            if cancellation.isCancelled { throw SSHError(.cancelled, "cancelled while \(what)") }
            if deadline.hasPassed { throw SSHError(.timeout, "timed out while \(what)") }
            let slice = deadline.remainingMilliseconds(cap: cancellationCheckMilliseconds)
            let ready = poll(&descriptor, 1, slice)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw SSHError(.disconnected, "waiting on the socket failed while \(what)", errno: errno)
            }
        }
    }
}
