/// The directories an agent's configuration lets commands name paths in (local storage, backup storage,
/// VM volumes). They come from flags and the defaults file, never from a request: a request may pick a
/// directory inside them, not widen them.
///
/// A root may not be `/`, a system directory or inside one (`/etc`, `/usr`, `/proc`...): a "storage" there
/// would let the MN's file commands read or replace the host's own files.
public struct PermittedRoots: Sendable, CustomStringConvertible {
    /// The roots as configured, without trailing slashes.
    public let paths: [String]

    /// Directories that may not be a root, nor hold one.
    static let systemTrees = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
                              "/sbin", "/sys", "/usr", "/run", "/var/run", "/var/log", "/var/spool", "/var/lib/dpkg",
                              "/var/lib/rpm", "/root/.ssh"]
    /// Directories that may hold a root but not be one.
    static let systemParents = ["/", "/home", "/root", "/var", "/var/lib", "/opt", "/srv", "/mnt", "/media", "/tmp"]

    /// - Parameter purpose: what the roots are for (`local storage`), named in errors.
    /// - Throws: `FileSystemError` naming the first root that is relative, has `..`, or is a system directory.
    public init(_ paths: [String], purpose: String) throws(FileSystemError) {
        var normalized: [String] = []
        for path in paths {
            let components = try ConfinedRoot.checkLexically(path)
            let clean = "/" + components.joined(separator: "/")
            if Self.systemParents.contains(clean) || Self.systemTrees.contains(where: { clean == $0 || clean.hasPrefix($0 + "/") }) {
                throw FileSystemError("use as a \(purpose) root", path, detail: "it is, or is inside, a system directory")
            }
            // A root that exists is compared by its real location, so a link cannot smuggle one in.
            let real = Files.exists(clean) ? try Files.canonicalPath(clean) : clean
            if real != clean, Self.systemParents.contains(real) || Self.systemTrees.contains(where: { real == $0 || real.hasPrefix($0 + "/") }) {
                throw FileSystemError("use as a \(purpose) root", path, detail: "it leads to \(real), a system directory")
            }
            normalized.append(clean)
        }
        guard !normalized.isEmpty else { throw FileSystemError("configure", purpose + " roots", detail: "none is given") }
        self.paths = normalized
    }

    public var description: String { paths.joined(separator: ", ") }

    /// The canonical form of `path` when it lies inside (or is) one of the roots; nil otherwise. Links are
    /// followed as `ConfinedRoot.resolve` does, so a link inside a root that points out of it is refused.
    public func resolve(_ path: String) -> String? {
        guard let resolved = try? ConfinedRoot("/").resolve(path) else { return nil }
        for root in paths {
            let real = (try? Files.canonicalPath(root)) ?? root
            if resolved == real || resolved.hasPrefix(real + "/") { return resolved }
        }
        return nil
    }

    /// Whether `path` lies inside (or is) one of the roots.
    public func permits(_ path: String) -> Bool { resolve(path) != nil }
}
