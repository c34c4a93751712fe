import AgentWire
import Foundation

/// The directory `connect` named, as its real path. Every path a command names is resolved against it and
/// refused unless it stays inside: no `..` component, and the real path of its deepest existing ancestor
/// (symlinks followed) must be the root or below it. Refusal happens before anything is touched.
struct StorageRoot: Sendable, Equatable {
    /// Absolute, symlink-free, without a trailing slash (except for `/` itself).
    let path: String

    /// Creates the storage directory if needed (`mkdir -p`) and takes its real path.
    static func prepare(_ storagePath: String?) throws -> StorageRoot {
        guard let storagePath, storagePath.hasPrefix("/") else {
            throw SftpBackupStorageError("storagePath must be an absolute path, got '\(storagePath ?? "")'")
        }
        let components = try lexicalComponents(storagePath, field: "storagePath")
        let absolute = "/" + components.joined(separator: "/")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SftpBackupStorageError("storagePath \(absolute) exists and is not a directory")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
            } catch {
                throw SftpBackupStorageError("cannot create storagePath \(absolute): \(error.localizedDescription)")
            }
        }
        guard let real = realPath(absolute) else {
            throw SftpBackupStorageError("cannot resolve storagePath \(absolute)")
        }
        return StorageRoot(path: real)
    }

    /// The real location of `path`, which must be inside the root. `allowRoot` admits the root itself
    /// (metadata commands name it); image paths must be strictly below it.
    func resolve(_ path: String?, field: String, allowRoot: Bool = false) throws -> String {
        guard let path, path.hasPrefix("/") else {
            throw SftpBackupStorageError("\(field) must be an absolute path, got '\(path ?? "")'")
        }
        var components = try Self.lexicalComponents(path, field: field)
        var missing: [String] = []
        while !components.isEmpty, !Self.exists("/" + components.joined(separator: "/")) {
            missing.insert(components.removeLast(), at: 0)
        }
        let existing = "/" + components.joined(separator: "/")
        guard let real = Self.realPath(existing) else {
            throw SftpBackupStorageError("\(field) \(path): cannot resolve \(existing)")
        }
        let resolved = ([real == "/" ? "" : real] + missing).joined(separator: "/")
        guard contains(resolved, allowRoot: allowRoot) else {
            throw SftpBackupStorageError(
                "\(field) \(path) resolves to \(resolved.isEmpty ? "/" : resolved), outside the storage path \(self.path)")
        }
        return resolved
    }

    /// Bytes of the root's file system: total and available to unprivileged users (`df`'s view).
    func capacity() -> (total: Int64, available: Int64)? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        let unit = Int64(stats.f_frsize)
        return (Int64(stats.f_blocks) * unit, Int64(stats.f_bavail) * unit)
    }

    /// Fills the reply's capacity fields; left nil when the file system cannot be read.
    func withCapacity<Reply: SftpCapacityReply>(_ reply: Reply) -> Reply {
        var reply = reply
        if let (total, available) = capacity() {
            reply.totalCapacity = total
            reply.availableCapacity = available
        }
        return reply
    }

    private func contains(_ resolved: String, allowRoot: Bool) -> Bool {
        if resolved == path || (resolved.isEmpty && path == "/") { return allowRoot }
        return resolved.hasPrefix(path == "/" ? "/" : path + "/")
    }

    private static func lexicalComponents(_ path: String, field: String) throws -> [String] {
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.contains("..") else {
            throw SftpBackupStorageError("\(field) \(path) must not contain '..'")
        }
        guard !path.utf8.contains(0) else {
            throw SftpBackupStorageError("\(field) contains a NUL byte")
        }
        return components
    }

    /// True when something is there, even a dangling symlink (which `realPath` then refuses).
    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
