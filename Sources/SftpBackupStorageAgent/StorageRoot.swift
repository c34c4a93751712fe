import AgentWire
import HostSystem

/// The directory `connect` named. Every path a command names goes through `resolve`, which refuses it
/// unless it stays inside (HostSystem's `ConfinedRoot`: absolute, no `..`, no symlink leading out) before
/// anything is touched.
struct StorageRoot: Sendable, Equatable {
    private let confined: ConfinedRoot

    /// Absolute and symlink-free.
    var path: String { confined.path }

    /// Creates the storage directory if needed (`mkdir -p`) and confines commands to it.
    static func prepare(_ storagePath: String?) throws -> StorageRoot {
        guard let storagePath, storagePath.hasPrefix("/") else {
            throw SftpBackupStorageError("storagePath must be an absolute path, got '\(storagePath ?? "")'")
        }
        do {
            // Checked lexically (no `..`) and resolved before mkdir creates anything.
            let canonical = try ConfinedRoot("/").resolve(storagePath)
            switch Files.kind(canonical) {
            case .directory?, nil: try Files.makeDirectories(canonical)
            default: throw SftpBackupStorageError("storagePath \(canonical) exists and is not a directory")
            }
            return StorageRoot(confined: try ConfinedRoot(canonical))
        } catch let error as FileSystemError {
            throw SftpBackupStorageError("storagePath \(storagePath): \(error)")
        }
    }

    /// The real location of `path`, which must be inside the root. `allowRoot` admits the root itself
    /// (metadata commands name it); image paths must be strictly below it.
    func resolve(_ path: String?, field: String, allowRoot: Bool = false) throws -> String {
        let resolved: String
        do {
            resolved = try confined.resolve(path ?? "")
        } catch {
            throw SftpBackupStorageError("\(field) refused: \(error)")
        }
        guard allowRoot || resolved != confined.path else {
            throw SftpBackupStorageError("\(field) \(path ?? "") is the storage path itself, not a file inside it")
        }
        return resolved
    }

    /// Fills the reply's capacity fields (`statvfs` of the root); left nil when it cannot be read.
    func withCapacity<Reply: SftpCapacityReply>(_ reply: Reply) -> Reply {
        var reply = reply
        if let capacity = try? FilesystemCapacity.of(confined.path) {
            reply.totalCapacity = capacity.totalBytes
            reply.availableCapacity = capacity.availableBytes
        }
        return reply
    }
}
