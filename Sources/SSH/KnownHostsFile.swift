import Glibc
import HostSystem
import Synchronization

/// Host keys remembered across connections, in a file the agent owns: the first connection to a host and
/// port is trusted and its key's fingerprint recorded; every later one must present the same key, or it
/// fails with `hostKeyMismatch` before any credential is sent. This is what the MN's commands allow (they
/// carry no fingerprint), and far more than `StrictHostKeyChecking=no`, which accepts any key every time.
///
/// Format: one `[host]:port SHA256:<base64>` line per host. Thread-safe; one instance per file.
public final class KnownHostsFile: Sendable {
    public let path: String
    private let lock = Mutex(())

    public init(path: String) {
        self.path = path
    }

    /// `.pinned` for a host seen before, `.trustOnFirstUse` for a new one.
    public func policy(host: String, port: Int) -> HostKeyPolicy {
        lock.withLock { _ in
            entries()[Self.key(host, port)].map { .pinned(fingerprint: $0) } ?? .trustOnFirstUse
        }
    }

    /// Records the session's host key when its host is new.
    /// - Throws: `SSHError` `.hostKeyMismatch` when another key was recorded meanwhile (two first contacts
    ///   that saw different keys), `.localFile` when the file cannot be written.
    public func remember(_ session: SSHSession) throws(SSHError) {
        try lock.withLock { _ throws(SSHError) in
            var known = entries()
            let key = Self.key(session.host, session.port)
            if let recorded = known[key] {
                guard recorded == session.hostKeyFingerprint else {
                    throw SSHError(.hostKeyMismatch,
                                   "host key of \(key) is \(session.hostKeyFingerprint), but \(recorded) was recorded in \(path)")
                }
                return
            }
            known[key] = session.hostKeyFingerprint
            try write(known)
        }
    }

    private static func key(_ host: String, _ port: Int) -> String { "[\(host)]:\(port)" }

    private func entries() -> [String: String] {
        guard let file = fopen(path, "r") else { return [:] }
        defer { fclose(file) }
        var result: [String: String] = [:]
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(whereSeparator: \.isWhitespace)
            if fields.count == 2 { result[String(fields[0])] = String(fields[1]) }
        }
        return result
    }

    /// Written to a temporary file and renamed, mode 0600, so a crash never leaves half a file.
    private func write(_ entries: [String: String]) throws(SSHError) {
        let text = entries.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        do {
            try Files.writeAtomically(Array(text.utf8), to: path, mode: 0o600)
        } catch {
            throw SSHError(.localFile, "cannot write \(path)", errno: error.code)
        }
    }
}
