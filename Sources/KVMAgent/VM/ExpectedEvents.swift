import Libvirt
import Synchronization

/// The events the agent's own operations are about to cause, so the event reporter can tell them from
/// changes made behind ZStack's back (ZStack's Python agent records them per operation the same way).
///
/// Lifecycle events: each expectation is consumed by the one event it stands for. libvirt delivers events
/// on its own thread, possibly after the call that caused them returned, so an expectation stays until its
/// event arrives; one whose call failed is withdrawn at once, and one whose event never came (some drivers
/// emit fewer events) lapses `lapse` after its call finished, so it cannot hide a real change for long.
///
/// Reboot events follow vm_plugin's `_vm_reboot_event` instead: the agent's own reboot, and every reboot
/// event, open a quiet period of `rebootQuiet` (Python's 300 s operation record) during which further
/// reboot events of that VM are not reported; the next operation the agent makes on the VM ends it, as
/// Python's next record replaces the reboot one. On qemu, the agent's `/vm/reboot` (`virDomainReboot`: an
/// ACPI request, then libvirt's fake reboot) emits only that reboot event, no shutdown or stop. The MN
/// answers a virtual router's reported reboot by rebooting it (`VirtualRouterManagerImpl`), so a report of
/// the agent's own reboot would make it reboot the router again.
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
        /// Per VM, when reboot events may be reported again.
        var rebootQuietUntil: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())
    private let lapse: Duration
    private let rebootQuiet: Duration

    /// - Parameters:
    ///   - lapse: how long after its call finished an unmet lifecycle expectation still hides its event.
    ///   - rebootQuiet: how long after a reboot (the agent's or any reboot event) reboot events go unreported.
    public init(lapse: Duration = .seconds(30), rebootQuiet: Duration = .seconds(300)) {
        self.lapse = lapse
        self.rebootQuiet = rebootQuiet
    }

    /// Runs `operation`, which is expected to cause `kinds` on domain `vm`.
    public func expecting<T>(_ vm: String, _ kinds: DomainLifecycleEvent.Kind...,
                             operation: () async throws -> T) async throws -> T {
        let ids = state.withLock { state in
            state.rebootQuietUntil[vm] = nil
            return kinds.map { kind -> UInt64 in
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

    /// Runs `operation`, the agent's own reboot of `vm`: its reboot events are not reported. A failed call
    /// caused none, so it ends the quiet period at once.
    public func rebooting<T>(_ vm: String, operation: () async throws -> T) async throws -> T {
        let quietUntil = ContinuousClock.now + rebootQuiet
        state.withLock { $0.rebootQuietUntil[vm] = quietUntil }
        do {
            return try await operation()
        } catch {
            state.withLock { state in
                if state.rebootQuietUntil[vm] == quietUntil { state.rebootQuietUntil[vm] = nil }
            }
            throw error
        }
    }

    /// Whether a reboot event of `vm` is one to report to the MN; either way it starts a new quiet period.
    public func reportsReboot(of vm: String) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            let quiet = state.rebootQuietUntil[vm].map { $0 > now } ?? false
            state.rebootQuietUntil = state.rebootQuietUntil.filter { $0.value > now }
            state.rebootQuietUntil[vm] = now + rebootQuiet
            return !quiet
        }
    }
}
