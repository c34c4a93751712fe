/// A directory that paths named by a remote caller must stay inside: no `..`, no relative paths, and no
/// symbolic link that leads out of it. Used by agents whose commands carry file paths (local storage, the
/// SFTP backup storage).
///
/// Checks are made on the path as it is when `resolve` runs; a link swapped in afterwards by someone who can
/// already write inside the root is outside what this guards against.
public struct ConfinedRoot: Sendable, Hashable, CustomStringConvertible {
    /// The canonical (symbolic-link-free) absolute path of the root.
    public let path: String

    /// - Throws: `FileSystemError` when `path` is not absolute, contains `..`, or does not exist.
    public init(_ path: String) throws(FileSystemError) {
        try Self.checkLexically(path)
        self.path = try Files.canonicalPath(path)
    }

    public var description: String { path }

    /// Whether `path` (checked as `resolve` does) lies inside the root.
    public func contains(_ path: String) -> Bool {
        (try? resolve(path)) != nil
    }

    /// The canonical form of `path` if it lies inside the root (or is the root).
    ///
    /// The longest existing prefix of `path` is resolved with `realpath` (following every symbolic link,
    /// including a final one), and the missing rest — which cannot contain links, since it does not exist —
    /// is appended. The result must be the root or below it.
    /// - Throws: `FileSystemError` naming the path when it is relative, contains `.` or `..` components,
    ///   or resolves outside the root.
    public func resolve(_ path: String) throws(FileSystemError) -> String {
        let components = try Self.checkLexically(path)
        var existingCount = components.count
        while existingCount > 0, !Files.exists("/" + components[..<existingCount].joined(separator: "/")) {
            existingCount -= 1
        }
        let base = try Files.canonicalPath("/" + components[..<existingCount].joined(separator: "/"))
        let joined = ([Substring(base == "/" ? "" : base)] + components[existingCount...]).joined(separator: "/")
        let resolved = joined.isEmpty ? "/" : joined
        guard resolved == self.path || self.path == "/" || resolved.hasPrefix(self.path + "/") else {
            throw FileSystemError("use", path, detail: "it resolves to \(resolved), outside \(self.path)")
        }
        return resolved
    }

    /// Refuses what no legitimate caller sends, before touching the filesystem.
    @discardableResult
    static func checkLexically(_ path: String) throws(FileSystemError) -> [Substring] {
        guard path.hasPrefix("/") else {
            throw FileSystemError("use", path, detail: "not an absolute path")
        }
        guard !path.utf8.contains(0) else {
            throw FileSystemError("use", path, detail: "it contains a NUL byte")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains(where: { $0 == ".." || $0 == "." }) else {
            throw FileSystemError("use", path, detail: "`.` and `..` are not allowed in paths")
        }
        return components
    }
}
