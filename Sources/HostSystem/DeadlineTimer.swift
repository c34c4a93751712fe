import Synchronization

/// Every time limit in the process shares one sleeping task. A timer task per limited operation cost a task
/// creation, a sleep registration and its cancellation for each agent command and each program run, almost
/// all of which end long before their limit; here a limit costs a dictionary insert and remove under a lock.
///
/// The sleeper sleeps until the earliest deadline it knows of, fires what is due, and sleeps again until the
/// next; it ends when nothing is pending. A deadline earlier than the one it sleeps towards replaces it with
/// a new sleeper. Deadlines removed before they are due do not wake it: it finds them gone when it wakes.
final class DeadlineTimer: Sendable {
    static let shared = DeadlineTimer()

    init() {}

    struct Token: Sendable {
        fileprivate let id: UInt64
    }

    private struct Entry {
        let deadline: ContinuousClock.Instant
        let fire: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var pending: [UInt64: Entry] = [:]
        /// When the running sleeper wakes; nil when none runs.
        var wake: ContinuousClock.Instant?
        /// Tells a replaced sleeper that it is no longer the one.
        var generation: UInt64 = 0
        var sleeper: Task<Void, Never>?
    }

    private let state = Mutex(State())

    /// Deadlines scheduled and neither fired nor cancelled: what the process still holds for time limits.
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Calls `fire` at `deadline` unless cancelled first. `fire` runs on the sleeper and must not block.
    func schedule(at deadline: ContinuousClock.Instant, _ fire: @escaping @Sendable () -> Void) -> Token {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.pending[id] = Entry(deadline: deadline, fire: fire)
            if state.wake.map({ deadline < $0 }) ?? true { startSleeper(&state, until: deadline) }
            return Token(id: id)
        }
    }

    func cancel(_ token: Token) {
        _ = state.withLock { $0.pending.removeValue(forKey: token.id) }
    }

    private func startSleeper(_ state: inout State, until wake: ContinuousClock.Instant) {
        state.sleeper?.cancel()
        state.generation &+= 1
        state.wake = wake
        let generation = state.generation
        state.sleeper = Task { await self.sleep(until: wake, generation: generation) }
    }

    private func sleep(until first: ContinuousClock.Instant, generation: UInt64) async {
        var wake = first
        while true {
            try? await Task.sleep(until: wake, clock: .continuous)
            // `next` is nil when a newer sleeper took over or nothing is left to wait for.
            let (due, next): ([Entry], ContinuousClock.Instant?) = state.withLock { state in
                guard state.generation == generation else { return ([], nil) }
                let now = ContinuousClock.now
                let dueIDs = state.pending.compactMap { $0.value.deadline <= now ? $0.key : nil }
                let due = dueIDs.compactMap { state.pending.removeValue(forKey: $0) }
                state.wake = state.pending.values.lazy.map(\.deadline).min()
                if state.wake == nil { state.sleeper = nil }
                return (due, state.wake)
            }
            for entry in due { entry.fire() }
            guard let next else { return }
            wake = next
        }
    }
}
