import Synchronization

/// Who the agent belongs to, as told by the MN's `/host/connect`. Kept in memory only: after a restart it is
/// empty, and an empty `hostUuid` in the ping reply is how the MN learns the agent restarted.
final class HostIdentity: Sendable {
    struct Snapshot: Sendable, Equatable {
        var hostUuid: String?
        var sendCommandUrl: String?
        var version: String?
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }
}
