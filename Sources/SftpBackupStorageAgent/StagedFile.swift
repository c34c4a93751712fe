import Crypto
import Foundation
import HostSystem
#if canImport(Glibc)
import Glibc
#endif

/// A download in progress: bytes go to a hidden temporary file beside the target, hashed as they pass,
/// and become the target only by `commit()`. `discard()` removes the temporary file and the directories
/// the download created, so a failed, timed-out or cancelled download leaves nothing behind.
///
/// Not thread-safe: one download task owns it.
final class StagedFile {
    let target: String
    let temporaryPath: String
    private(set) var bytesWritten: Int64 = 0
    /// Most bytes the download may have: the configured maximum image size or the free space of the
    /// storage when the download began (less a reserve), whichever is smaller.
    let byteLimit: Int64
    private var descriptor: Int32
    private var md5 = Insecure.MD5()
    /// Set when a source wrote the file by path instead of through `write`.
    private var adoptedDigest: String?
    private let createdDirectories: [String]

    /// Creates the target's missing parent directories and the temporary file (mode 0600, never following
    /// a symlink, never reusing an existing file).
    init(target: String, byteLimit: Int64) throws {
        self.target = target
        self.byteLimit = byteLimit
        let directory = Files.parentDirectory(of: target)
        do {
            createdDirectories = try Files.makeDirectoriesReportingCreated(directory)
        } catch {
            throw SftpBackupStorageError(error.description)
        }
        let name = (target as NSString).lastPathComponent
        temporaryPath = directory + "/.\(name).\(UUID().uuidString.prefix(8)).download"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            Files.removeDirectoriesIfEmpty(createdDirectories)
            throw SftpBackupStorageError("cannot create \(temporaryPath): \(reason)")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Refuses a download whose announced size is over the limit, before a byte is written.
    func expect(total: Int64?) throws {
        guard let total else { return }
        guard total <= byteLimit else { throw Self.tooLarge(total, byteLimit) }
    }

    /// Appends bytes and adds them to the hash; fails once the download passes `byteLimit`, whatever size
    /// the source announced.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(bytes.count) <= byteLimit - bytesWritten else { throw Self.tooLarge(bytesWritten + Int64(bytes.count), byteLimit) }
        md5.update(bufferPointer: bytes)
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SftpBackupStorageError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        bytesWritten += Int64(bytes.count)
    }

    private static func tooLarge(_ size: Int64, _ limit: Int64) -> SftpBackupStorageError {
        SftpBackupStorageError("the image is larger than this backup storage accepts: \(size) bytes, at most \(limit) (the configured maximum image size or the free space of the storage)")
    }

    /// Hex MD5 of everything written.
    func finishHash() -> String {
        adoptedDigest ?? md5.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// For sources that write `temporaryPath` themselves (SFTP): hashes and measures what they wrote.
    func adoptWrittenContent() async throws {
        adoptedDigest = try await md5Hex(ofFileAt: temporaryPath)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw SftpBackupStorageError("cannot read the size of \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        bytesWritten = Int64(info.st_size)
    }

    /// Makes the file read-only and renames it to the target.
    func commit() throws {
        guard fchmod(descriptor, 0o444) == 0, fsync(descriptor) == 0 else {
            throw SftpBackupStorageError("cannot finish \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, target) == 0 else {
            throw SftpBackupStorageError("cannot rename the download to \(target): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the temporary file and the directories this download created (if still empty).
    func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
        Files.removeDirectoriesIfEmpty(createdDirectories)
    }
}
