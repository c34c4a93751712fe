#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Size and free space of the filesystem holding a path, as `df` reports them (`statvfs`).
public struct FilesystemCapacity: Sendable, Equatable {
    /// Bytes: `f_blocks × f_frsize`.
    public let totalBytes: Int64
    /// Bytes an unprivileged writer can still use: `f_bavail × f_frsize` (root's reserve excluded, as `df`'s
    /// "Avail" column).
    public let availableBytes: Int64

    public init(totalBytes: Int64, availableBytes: Int64) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
    }

    /// Reads the capacity of the filesystem that holds `path`.
    /// - Throws: `FileSystemError` when `statvfs` fails (e.g. the path does not exist).
    public static func of(_ path: String) throws(FileSystemError) -> FilesystemCapacity {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { throw FileSystemError("read the capacity of", path) }
        let fragment = Int64(stats.f_frsize)
        return FilesystemCapacity(totalBytes: Int64(stats.f_blocks) * fragment,
                                  availableBytes: Int64(stats.f_bavail) * fragment)
    }
}
