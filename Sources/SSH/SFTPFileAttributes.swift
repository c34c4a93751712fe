/// What SFTP `stat` reports about a remote file. Fields the server did not send are `nil`.
public struct SFTPFileAttributes: Sendable, Hashable {
    /// Size in bytes.
    public let size: UInt64?
    /// The full `st_mode`: file type bits and permission bits (`permissions & 0o7777` for the latter).
    public let permissions: UInt32?
    /// Last modification, seconds since 1970.
    public let modificationTime: UInt64?

    /// Builds attributes from known fields.
    public init(size: UInt64?, permissions: UInt32?, modificationTime: UInt64?) {
        self.size = size
        self.permissions = permissions
        self.modificationTime = modificationTime
    }

    /// True when the mode says directory.
    public var isDirectory: Bool { permissions.map { $0 & 0o170000 == 0o040000 } ?? false }
    /// True when the mode says regular file.
    public var isRegularFile: Bool { permissions.map { $0 & 0o170000 == 0o100000 } ?? false }
}
