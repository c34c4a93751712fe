import HostSystem
import Synchronization

/// Async replies the management-node side is waiting for, keyed by task uuid.
///
/// A task must be expected before its callback can be accepted (the MN answers 404 to unknown tasks, which
/// tells the agent to stop retrying); a callback may arrive before or after someone waits for it.
final class CallbackBoard: Sendable {
    private enum Slot {
        case expected
        case waiting(CheckedContinuation<[UInt8], any Error>)
        case arrived([UInt8])
    }

    private let slots = Mutex<[String: Slot]>([:])
    private let attempts = Mutex<[String: Int]>([:])

    func expect(_ taskUUID: String) {
        slots.withLock { $0[taskUUID] = .expected }
    }

    /// Records a POST to the callback URL; false when the task is unknown or already answered.
    func deliver(_ taskUUID: String, body: [UInt8]) -> Bool {
        attempts.withLock { $0[taskUUID, default: 0] += 1 }
        let waiter: CheckedContinuation<[UInt8], any Error>?? = slots.withLock { slots in
            switch slots[taskUUID] {
            case .expected:
                slots[taskUUID] = .arrived(body)
                return .some(nil)
            case let .waiting(continuation):
                slots[taskUUID] = nil
                return .some(continuation)
            case .arrived, nil:
                return nil
            }
        }
        guard let waiter else { return false }
        waiter?.resume(returning: body)
        return true
    }

    /// How many times the agent POSTed a callback for this task, accepted or not.
    func attemptCount(_ taskUUID: String) -> Int {
        attempts.withLock { $0[taskUUID] ?? 0 }
    }

    /// Waits for the callback of an expected task.
    func wait(for taskUUID: String, timeout: Duration) async throws -> [UInt8] {
        try await withTimeLimit(timeout, onTimeout: {
            AgentClientError(code: .timeout, message: "no callback for task \(taskUUID) within \($0)")
        }) {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let ready: Result<[UInt8], any Error>? = self.slots.withLock { slots in
                        switch slots[taskUUID] {
                        case let .arrived(body):
                            slots[taskUUID] = nil
                            return .success(body)
                        case .expected:
                            slots[taskUUID] = .waiting(continuation)
                            return nil
                        case .waiting, nil:
                            return .failure(CancellationError())
                        }
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            } onCancel: {
                self.abandon(taskUUID)
            }
        }
    }

    /// Forgets a task whose waiter gave up, so a late callback gets 404 as from the MN.
    private func abandon(_ taskUUID: String) {
        let waiter: CheckedContinuation<[UInt8], any Error>? = slots.withLock { slots in
            defer { slots[taskUUID] = nil }
            if case let .waiting(continuation) = slots[taskUUID] { return continuation }
            return nil
        }
        waiter?.resume(throwing: CancellationError())
    }
}
