import HostSystem

#if canImport(Glibc)
import Glibc
#endif

/// Certificates and keys on disk, through HostSystem's files with errors that say which file it is ("CA
/// key"). Modes are set when a file is created (`Files.writeAtomically`): writing first and chmod-ing after
/// would leave a private key world-readable for a moment.
enum TrustFiles {
    /// Reads a whole file as UTF-8 text; `what` names it in the error.
    static func readText(_ path: String, what: String) throws -> String {
        do {
            return try Files.readText(path)
        } catch {
            throw AgentTrustError(.file, "cannot read the \(what) \(path): \(error.detail)")
        }
    }

    /// Replaces `path` atomically with `text`, the new file having exactly `mode` from its creation on.
    static func writeText(_ text: String, to path: String, mode: mode_t, what: String) throws {
        do {
            try Files.writeAtomically(Array(text.utf8), to: path, mode: mode)
        } catch {
            throw AgentTrustError(.file, "cannot write the \(what) \(path): \(error.detail)")
        }
    }

    /// Creates `path` (and missing parents) and makes its mode exactly `mode`, also when it existed.
    static func makeDirectory(_ path: String, mode: mode_t) throws {
        do {
            try Files.makeDirectories(path, mode: mode)
            try Files.setMode(path, mode)
        } catch {
            throw AgentTrustError(.file, "cannot \(error.operation) the directory \(path): \(error.detail)")
        }
    }

    static func exists(_ path: String) -> Bool { Files.exists(path) }
}
