import Glibc

/// A local file descriptor used by SFTP transfers; closed by `close()` or, as a fallback, on deinit.
///
/// Transfers stream through it chunk by chunk, so a large file never has to fit in memory.
final class LocalFile {
    let path: String
    private var fd: Int32

    /// Opens `path` with `open(2)` flags; `O_CLOEXEC` is always added.
    /// - Parameter permissions: when creating, the mode is `permissions` exactly (not reduced by the umask);
    ///   when `nil`, a new file gets 0644 reduced by the umask, like `cp`.
    init(path: String, flags: Int32, permissions: UInt32?) throws(SSHError) {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw SSHError(.invalidArgument, "local path \(path.debugDescription) is empty or contains NUL")
        }
        self.path = path
        fd = Glibc.open(path, flags | O_CLOEXEC, mode_t(permissions ?? 0o644))
        guard fd >= 0 else { throw SSHError(.localFile, "cannot open local file \(path)", errno: errno) }
        if let permissions, flags & O_CREAT != 0, fchmod(fd, mode_t(permissions)) != 0 {
            let code = errno
            Glibc.close(fd)
            throw SSHError(.localFile, "cannot set mode \(String(permissions, radix: 8)) on \(path)", errno: code)
        }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// The file's current size.
    func size() throws(SSHError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SSHError(.localFile, "cannot stat \(path)", errno: errno) }
        return Int64(info.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset` into the start of `buffer`; 0 means end of file.
    func read(into buffer: inout [UInt8], at offset: Int64) throws(SSHError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if count >= 0 { return count }
            if errno != EINTR { throw SSHError(.localFile, "cannot read \(path)", errno: errno) }
        }
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: ArraySlice<UInt8>, at offset: Int64) throws(SSHError) {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes {
                pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done))
            }
            if count > 0 {
                done += count
            } else if count < 0 && errno != EINTR {
                throw SSHError(.localFile, "cannot write \(path)", errno: errno)
            }
        }
    }

    /// Closes the file, reporting a failure (a full disk can surface only here).
    func close() throws(SSHError) {
        let result = Glibc.close(fd)
        fd = -1
        if result != 0 { throw SSHError(.localFile, "cannot close \(path)", errno: errno) }
    }
}
