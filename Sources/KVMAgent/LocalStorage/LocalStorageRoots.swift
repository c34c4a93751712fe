import HostSystem
import Synchronization

/// The directories local primary storages live in on this host. `/localstorage/init` registers one (the MN
/// re-sends it on every host connect, so memory is enough); every other path a command names must resolve
/// inside one of them, with no `..` and no symbolic link leading out.
///
/// An init may only register a directory inside the agent's configured storage roots: the roots come from
/// the agent's configuration, never from a request (`{"path":"/"}` would otherwise make every path valid).
final class LocalStorageRoots: Sendable {
    private let permitted: PermittedRoots
    private let registered = Mutex<[ConfinedRoot]>([])

    init(permitted: PermittedRoots) {
        self.permitted = permitted
    }

    /// Creates `path` if needed (as the Python agent does) and accepts paths inside it from now on.
    func register(_ path: String?) throws -> ConfinedRoot {
        guard let path, !path.isEmpty else { throw KVMAgentError(.localStorage, "path of the local storage is missing") }
        // Refuses `..`, relative paths and anything outside the configured roots before creating anything.
        _ = try ConfinedRoot("/").resolve(path)
        guard permitted.permits(path) else {
            throw KVMAgentError(.localStorage, "local storage path \(path) is outside the storage roots this agent serves (\(permitted)); add it with --storage-root")
        }
        try Files.makeDirectories(path)
        let root = try ConfinedRoot(path)
        registered.withLock { roots in
            if !roots.contains(root) { roots.append(root) }
        }
        return root
    }

    /// The canonical form of `path` when it lies in the agent's configured storage roots, for the few
    /// commands the MN may send before `/localstorage/init` (the storage's initialized-file marker).
    func resolveConfigured(_ path: String?, field: String) throws -> String {
        guard let path, !path.isEmpty else { throw KVMAgentError(.localStorage, "\(field) is missing") }
        guard let resolved = permitted.resolve(path) else {
            throw KVMAgentError(.localStorage, "\(field) \(path) is outside the storage roots this agent serves (\(permitted))")
        }
        return resolved
    }

    /// The canonical form of `path` and the root it lies in.
    /// - Parameter field: the command field the path came from, named in the error.
    func resolve(_ path: String?, field: String) throws -> (path: String, root: ConfinedRoot) {
        guard let path, !path.isEmpty else { throw KVMAgentError(.localStorage, "\(field) is missing") }
        let roots = registered.withLock { $0 }
        guard !roots.isEmpty else {
            throw KVMAgentError(.localStorage, "local storage is not initialized on this host: /localstorage/init must come first")
        }
        var refusal: (any Error)?
        for root in roots {
            do {
                return (try root.resolve(path), root)
            } catch {
                refusal = refusal ?? error
            }
        }
        let known = roots.map(\.path).joined(separator: ", ")
        throw KVMAgentError(.localStorage, "\(field) \(path) is not inside the local storage (\(known)): \(refusal.map { "\($0)" } ?? "")")
    }
}
