import AgentWire
import HostSystem

/// The directory `connect` named. Every path a command names goes through `resolve`, which refuses it
/// unless it stays inside (HostSystem's `ConfinedRoot`: absolute, no `..`, no symlink leading out) before
/// anything is touched.
struct StorageRoot: Sendable, Equatable {
    private let confined: ConfinedRoot

    /// Absolute and symlink-free.
    var path: String { confined.path }

    /// Creates the storage directory if needed (`mkdir -p`) and confines commands to it. The directory must
    /// lie inside the agent's configured storage roots.
    static func prepare(_ storagePath: String?, permitted: PermittedRoots) throws -> StorageRoot {
        guard let storagePath, storagePath.hasPrefix("/") else {
            throw SftpBackupStorageError("storagePath must be an absolute path, got '\(storagePath ?? "")'")
        }
        do {
            // Checked lexically (no `..`) and resolved before mkdir creates anything.
            let canonical = try ConfinedRoot("/").resolve(storagePath)
            guard permitted.permits(canonical) else {
                throw SftpBackupStorageError(
                    "storagePath \(storagePath) is outside the storage roots this agent serves (\(permitted)); add it with --storage-root")
            }
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

    /// The directory holding one image, which `delete` removes: the parent of `installUrl`, at least two
    /// levels below the root (`<root>/rootVolumeTemplates/acct-…/<image>/<file>` in ZStack's layout), holding
    /// files only. Anything else — the root, a category directory, a tree of other images — is refused.
    func imageDirectory(of installUrl: String?) throws -> String {
        let file = try resolve(installUrl, field: "installUrl")
        let directory = Files.parentDirectory(of: file)
        let depth = directory.dropFirst(confined.path.count).split(separator: "/").count
        guard directory.hasPrefix(confined.path + "/"), depth >= 2 else {
            throw SftpBackupStorageError(
                "installUrl \(installUrl ?? "") is not an image file in its own directory under the storage (<storage>/<kind>/.../<image>/<file>)")
        }
        if let entries = try? Files.directoryEntries(directory),
           let nested = entries.first(where: { Files.kind(directory + "/" + $0) == .directory }) {
            throw SftpBackupStorageError("refusing to delete \(directory): it holds the directory \(nested), not just one image's files")
        }
        return directory
    }

    /// Fills the reply's capacity fields (`statvfs` of the root); left nil when it cannot be read.
    func withCapacity<Reply: SftpBackupStorage.CapacityReply>(_ reply: Reply) -> Reply {
        var reply = reply
        if let capacity = try? FilesystemCapacity.of(confined.path) {
            reply.totalCapacity = capacity.totalBytes
            reply.availableCapacity = capacity.availableBytes
        }
        return reply
    }
}
