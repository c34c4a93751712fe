#if canImport(Glibc)
import Glibc
#endif

/// A file being written where readers must never see it half-done (a downloaded image, a copied volume):
/// bytes go to a hidden temporary file beside the target, hashed as they pass, and become the target only by
/// `commit()`. `discard()` removes the temporary file and the directories this file created, so a failed,
/// timed-out or cancelled transfer leaves nothing behind.
///
/// Not thread-safe: one transfer task owns it.
public final class StagedFile {
    /// The transfer passed `byteLimit`.
    public struct TooLarge: Error, Sendable, CustomStringConvertible {
        public let size: Int64
        public let limit: Int64
        /// What sets the limit, in the error's words ("this backup storage accepts").
        public let limitName: String

        public var description: String {
            "the file is larger than \(limitName): \(size) bytes, at most \(limit)"
        }
    }

    public let target: String
    /// Where the bytes go until `commit()`; sources that write by path (SFTP) write here.
    public let temporaryPath: String
    public private(set) var bytesWritten: Int64 = 0
    public let byteLimit: Int64
    private let limitName: String
    private var descriptor: Int32
    private var digest = FileDigest.Stream()
    /// Set when a source wrote the file by path instead of through `write`.
    private var adoptedDigest: String?
    private let createdDirectories: [String]

    /// Creates the target's missing parent directories and the temporary file (mode 0600, never following
    /// a symlink, never reusing an existing file).
    /// - Parameters:
    ///   - byteLimit: the most bytes the file may have.
    ///   - limitName: what sets that limit, for the error.
    public init(target: String, byteLimit: Int64 = .max, limitName: String = "the limit") throws(FileSystemError) {
        self.target = target
        self.byteLimit = byteLimit
        self.limitName = limitName
        let directory = Files.parentDirectory(of: target)
        createdDirectories = try Files.makeDirectoriesReportingCreated(directory)
        let name = target.split(separator: "/").last.map(String.init) ?? "file"
        temporaryPath = directory + "/.\(name).\(UInt32.random(in: .min ... .max)).partial"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let error = FileSystemError("create", temporaryPath)
            Files.removeDirectoriesIfEmpty(createdDirectories)
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Refuses a transfer whose announced size is over the limit, before a byte is written.
    public func expect(total: Int64?) throws(TooLarge) {
        guard let total, total > byteLimit else { return }
        throw TooLarge(size: total, limit: byteLimit, limitName: limitName)
    }

    /// Appends bytes and adds them to the hash; fails once the file passes `byteLimit`, whatever size the
    /// source announced.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(bytes.count) <= byteLimit - bytesWritten else {
            throw TooLarge(size: bytesWritten + Int64(bytes.count), limit: byteLimit, limitName: limitName)
        }
        digest.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", temporaryPath)
            }
            offset += written
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Hex MD5 of everything written.
    public func finishHash() -> String {
        adoptedDigest ?? digest.finalize()
    }

    /// For sources that write `temporaryPath` themselves: hashes and measures what they wrote.
    public func adoptWrittenContent() async throws {
        adoptedDigest = try await FileDigest.md5(ofFileAt: temporaryPath)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileSystemError("read the size of", temporaryPath) }
        bytesWritten = Int64(info.st_size)
    }

    /// Gives the file `mode`, flushes it and renames it to the target.
    public func commit(mode: mode_t = 0o444) throws(FileSystemError) {
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0 else { throw FileSystemError("finish", temporaryPath) }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, target) == 0 else { throw FileSystemError("rename into place", target) }
    }

    /// Removes the temporary file and the directories this file created (if still empty).
    public func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
        Files.removeDirectoriesIfEmpty(createdDirectories)
    }
}
