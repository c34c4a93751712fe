import Libvirt
import Synchronization

/// The lifecycle events the agent's own operations are about to cause, so the event reporter can tell them
/// from changes made behind ZStack's back (ZStack's Python agent records them per operation the same way).
///
/// Each expectation is consumed by the one event it stands for. libvirt delivers events on its own thread,
/// possibly after the call that caused them returned, so an expectation stays until its event arrives; one
/// whose call failed is withdrawn at once, and one whose event never came (some drivers emit fewer events)
/// lapses `lapse` after its call finished, so it cannot hide a real change for long.
public final class ExpectedEvents: Sendable {
    private struct Expectation {
        let id: UInt64
        let vm: String
        let kind: DomainLifecycleEvent.Kind
        var lapsesAt: ContinuousClock.Instant?
    }

    private struct State {
        var nextID: UInt64 = 0
        var pending: [Expectation] = []
    }

    private let state = Mutex(State())
    private let lapse: Duration

    public init(lapse: Duration = .seconds(30)) {
        self.lapse = lapse
    }

    /// Runs `operation`, which is expected to cause `kinds` on domain `vm`.
    public func expecting<T>(_ vm: String, _ kinds: DomainLifecycleEvent.Kind...,
                             operation: () async throws -> T) async throws -> T {
        let ids = state.withLock { state in
            kinds.map { kind -> UInt64 in
                state.nextID += 1
                state.pending.append(Expectation(id: state.nextID, vm: vm, kind: kind))
                return state.nextID
            }
        }
        do {
            let result = try await operation()
            let lapsesAt = ContinuousClock.now + lapse
            state.withLock { state in
                for index in state.pending.indices where ids.contains(state.pending[index].id) {
                    state.pending[index].lapsesAt = lapsesAt
                }
            }
            return result
        } catch {
            state.withLock { $0.pending.removeAll { ids.contains($0.id) } }
            throw error
        }
    }

    /// True when the event was expected (and is now consumed); false for a change the agent did not make.
    public func consume(_ event: DomainLifecycleEvent) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            state.pending.removeAll { $0.lapsesAt.map { $0 <= now } ?? false }
            guard let index = state.pending.firstIndex(where: { $0.vm == event.domainName && $0.kind == event.kind })
            else { return false }
            state.pending.remove(at: index)
            return true
        }
    }
}
