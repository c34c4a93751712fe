/// How many child programs the agent runs at once, process-wide. A burst of commands that each run
/// `qemu-img`, `iptables` or `md5sum` waits for a slot instead of forking without bound; the agent's own
/// command admission bounds how many can wait.
actor ProcessSlots {
    static let shared = ProcessSlots(limit: 64)

    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = limit
    }

    /// Runs `body` once a slot is free; the slot is handed on when it returns or throws.
    nonisolated func withSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async {
        if running < limit {
            running += 1
            return
        }
        // The slot is passed directly to the waiter by `release`, so `running` stays counted.
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
