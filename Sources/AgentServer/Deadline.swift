import Synchronization

/// A command ran longer than its timeout.
public struct CommandTimeoutError: Error, CustomStringConvertible {
    public let path: String
    public let timeout: Duration

    public var description: String {
        "\(path) did not finish within \(timeout.components.seconds) s; it was cancelled"
    }
}

/// Runs `operation`, returning its result or, once `timeout` passes, `onTimeout()`.
///
/// Unlike a task group race this returns on time even when the operation ignores cancellation (a blocking
/// libvirt or libssh2 call): the operation is cancelled and left to finish on its own, so the caller's
/// reply is never held hostage by it.
func withDeadline<T: Sendable>(
    _ timeout: Duration,
    operation: @escaping @Sendable () async -> T,
    onTimeout: @escaping @Sendable () -> T
) async -> T {
    let work = Task { await operation() }
    return await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let pending = Mutex<CheckedContinuation<T, Never>?>(continuation)
            let resume: @Sendable (T) -> Bool = { value in
                guard let continuation = pending.withLock({ $0.take() }) else { return false }
                continuation.resume(returning: value)
                return true
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled, resume(onTimeout()) { work.cancel() }
            }
            Task {
                let value = await work.value
                timer.cancel()
                _ = resume(value)
            }
        }
    } onCancel: {
        work.cancel()
    }
}
