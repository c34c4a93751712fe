import Synchronization

/// An operation ran past its time limit and was cancelled.
public struct TimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    public let limit: Duration

    public init(limit: Duration) { self.limit = limit }

    public var description: String { "did not finish within \(limit)" }
}

/// What happens to an operation that runs past its limit, besides being cancelled.
public enum OverrunOperation: Sendable {
    /// The caller gets the timeout at once; the operation finishes on its own. For operations that may
    /// ignore cancellation (a blocking libvirt or libssh call): the caller is never held hostage by them.
    case abandon
    /// The caller gets the timeout once the cancelled operation has ended, so its cleanup (a partial
    /// download removed) has run by then.
    case awaitCancellation
}

/// The one race against a timer: runs `operation` and returns its result, or once `limit` passes cancels it
/// and throws `onTimeout(limit)` (without one, `TimeLimitExceeded`). A nil limit waits as long as the
/// operation runs. Cancelling the caller cancels the operation.
public func withTimeLimit<T: Sendable>(
    _ limit: Duration?,
    overrun: OverrunOperation = .abandon,
    onTimeout: (@Sendable (Duration) -> any Error)? = nil,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard let limit else { return try await operation() }
    let work = Task { try await operation() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            // Whoever takes the continuation answers: the operation's end or the timer, never both.
            let pending = Mutex<CheckedContinuation<T, any Error>?>(continuation)
            let take: @Sendable () -> CheckedContinuation<T, any Error>? = { pending.withLock { $0.take() } }
            let timer = Task {
                try? await Task.sleep(for: limit)
                guard !Task.isCancelled, let continuation = take() else { return }
                work.cancel()
                if overrun == .awaitCancellation { _ = await work.result }
                continuation.resume(throwing: onTimeout?(limit) ?? TimeLimitExceeded(limit: limit))
            }
            Task {
                let result = await work.result
                timer.cancel()
                take()?.resume(with: result)
            }
        }
    } onCancel: {
        work.cancel()
    }
}
