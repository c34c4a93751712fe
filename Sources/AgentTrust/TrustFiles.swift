#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File I/O for certificates and keys, on POSIX calls because the mode must be set when the file is
/// created: writing first and chmod-ing after would leave a private key world-readable for a moment.
enum TrustFiles {
    /// Reads a whole file as UTF-8 text; `what` names it in the error ("CA key").
    static func readText(_ path: String, what: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw AgentTrustError(.file, "cannot read the \(what) \(path): \(errnoText())")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw AgentTrustError(.file, "cannot read the \(what) \(path): \(errnoText())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Replaces `path` atomically with `text`, the new file having exactly `mode` from its creation on:
    /// a temporary file in the same directory is created with that mode (O_EXCL: never an existing file
    /// someone else may have opened), fsynced, then renamed over the target.
    static func writeText(_ text: String, to path: String, mode: mode_t, what: String) throws {
        let temporary = "\(path).tmp-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw AgentTrustError(.file, "cannot write the \(what) \(path): \(errnoText())")
        }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(temporary) }
        }
        // The umask may have cleared bits of `mode` (e.g. 0644 → 0600): set it exactly. It can only have
        // removed permissions, so the file was never more open than asked.
        guard fchmod(fd, mode) == 0 else {
            throw AgentTrustError(.file, "cannot set the mode of the \(what) \(path): \(errnoText())")
        }
        var remaining = Array(text.utf8)[...]
        while !remaining.isEmpty {
            let count = remaining.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw AgentTrustError(.file, "cannot write the \(what) \(path): \(errnoText())")
            }
            remaining = remaining.dropFirst(count)
        }
        guard fsync(fd) == 0, rename(temporary, path) == 0 else {
            throw AgentTrustError(.file, "cannot write the \(what) \(path): \(errnoText())")
        }
        ok = true
    }

    /// Creates `path` (and missing parents) and makes its mode exactly `mode`, also when it existed.
    static func makeDirectory(_ path: String, mode: mode_t) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/\(component)"
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw AgentTrustError(.file, "cannot create the directory \(prefix): \(errnoText())")
            }
        }
        guard chmod(path, mode) == 0 else {
            throw AgentTrustError(.file, "cannot set the mode of the directory \(path): \(errnoText())")
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
