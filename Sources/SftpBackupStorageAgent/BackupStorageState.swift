import AgentWire
import HostSystem
import Synchronization

/// What the MN's `connect` told the agent: the BS uuid and the storage root. Kept in memory only: after a
/// restart the uuid is gone, and an absent uuid in the ping reply is how the MN learns of the restart.
final class BackupStorageState: Sendable {
    struct Snapshot: Sendable {
        var uuid: String?
        var root: StorageRoot?
    }

    private let state: Mutex<Snapshot>
    /// The directories `connect` may name, from the agent's configuration.
    let permitted: PermittedRoots

    init(permitted: PermittedRoots, root: StorageRoot?) {
        self.permitted = permitted
        state = Mutex(Snapshot(root: root))
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    func connected(uuid: String?, root: StorageRoot) {
        state.withLock { $0 = Snapshot(uuid: uuid, root: root) }
    }

    /// The reply with the capacity of the storage root, when there is one.
    func withCapacity<Reply: SftpBackupStorage.CapacityReply>(_ reply: Reply) -> Reply {
        snapshot.root?.withCapacity(reply) ?? reply
    }

    /// The storage root, or an error naming the command that needs one.
    func requireRoot() throws -> StorageRoot {
        guard let root = snapshot.root else {
            throw SftpBackupStorageError("the backup storage is not connected: no storage path yet")
        }
        return root
    }
}
