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
///
/// The operation runs in a task of its own (so `.abandon` can answer while it still runs); the timer is the
/// process's shared `DeadlineTimer`, so a limit that is not reached costs no task of its own.
public func withTimeLimit<T: Sendable>(
    _ limit: Duration?,
    overrun: OverrunOperation = .abandon,
    onTimeout: (@Sendable (Duration) -> any Error)? = nil,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withTimeLimit(limit, overrun: overrun, onTimeout: onTimeout, on: .shared, operation)
}

/// `withTimeLimit` on a given timer: tests read what a timer of their own still holds.
func withTimeLimit<T: Sendable>(
    _ limit: Duration?,
    overrun: OverrunOperation,
    onTimeout: (@Sendable (Duration) -> any Error)?,
    on timer: DeadlineTimer,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard let limit else { return try await operation() }
    let race = TimeLimitRace(overrun: overrun, timer: timer)
    let timeout: @Sendable () -> any Error = { onTimeout?(limit) ?? TimeLimitExceeded(limit: limit) }
    return try await withTaskCancellationHandler {
        // Unsafe, not checked: the race resumes it exactly once, and the checked kind costs an allocation.
        try await withUnsafeThrowingContinuation { (caller: UnsafeContinuation<T, any Error>) in
            race.start(limit: limit, work: {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                switch race.operationEnded() {
                case .result: caller.resume(with: result)
                case .timeout: caller.resume(throwing: timeout())
                case .nothing: break
                }
            }, abandoned: {
                caller.resume(throwing: timeout())
            })
        }
    } onCancel: {
        race.cancel()
    }
}

/// The operation's end and the deadline racing to answer one caller: whoever claims it first answers,
/// never both. Not generic, so its state costs no metadata lookups per call (the operation's type stays
/// in the closures `withTimeLimit` hands it).
private final class TimeLimitRace: Sendable {
    enum Answer {
        case result, timeout, nothing
    }

    private struct State {
        var claimed = false
        var expired = false
        var cancelled = false
        var work: Task<Void, Never>?
        var deadline: DeadlineTimer.Token?
    }

    private let state = Mutex(State())
    private let overrun: OverrunOperation
    private let timer: DeadlineTimer

    init(overrun: OverrunOperation, timer: DeadlineTimer) {
        self.overrun = overrun
        self.timer = timer
    }

    /// Runs `work` in a task of its own under the deadline; `abandoned` answers the caller when the deadline
    /// passes first with `.abandon`.
    func start(limit: Duration, work: @escaping @Sendable () async -> Void, abandoned: @escaping @Sendable () -> Void) {
        // Scheduled and stored before the work starts, so the work's end always finds the token to cancel.
        let deadline = timer.schedule(at: .now + limit) { self.expire(abandoned) }
        state.withLock { $0.deadline = deadline }
        let task = Task(operation: work)
        let stopAtOnce = state.withLock { state in
            state.work = task
            return state.cancelled || state.expired
        }
        if stopAtOnce { task.cancel() }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            return state.work
        }?.cancel()
    }

    /// The operation ended: what the work answers the caller. After an expiry with `.awaitCancellation`
    /// it answers the timeout, now that the cancelled operation's cleanup has run.
    func operationEnded() -> Answer {
        let (answer, deadline): (Answer, DeadlineTimer.Token?) = state.withLock { state in
            state.work = nil
            let deadline = state.deadline.take()
            guard !state.claimed else { return (.nothing, deadline) }
            state.claimed = true
            return (state.expired ? .timeout : .result, deadline)
        }
        if let deadline { timer.cancel(deadline) }
        return answer
    }

    private func expire(_ abandoned: @Sendable () -> Void) {
        let (answerNow, work) = state.withLock { state in
            state.expired = true
            state.deadline = nil
            let answerNow = overrun == .abandon && !state.claimed
            if answerNow { state.claimed = true }
            return (answerNow, state.work)
        }
        work?.cancel()
        if answerNow { abandoned() }
    }
}
