/// SFTP version 3 (draft-ietf-secsh-filexfer-02, what OpenSSH's sftp-server speaks): message types, flags,
/// and the encoding of requests and decoding of replies. Every reply is foreign input: lengths are checked
/// before anything is read, and a malformed reply is an `.sftp` error, never a trap.
enum SFTPPacket {
    /// Message types used by this client.
    enum Message: UInt8 {
        case initialize = 1, version = 2, open = 3, close = 4, read = 5, write = 6, fstat = 8, fsetstat = 10
        case remove = 13, mkdir = 14, rmdir = 15, stat = 17
        /// `SSH_FXP_EXTENDED`: a named extension such as `posix-rename@openssh.com`.
        case extended = 200
        case status = 101, handle = 102, data = 103, attributes = 105
    }

    /// `SSH_FXF_*` open flags.
    static let openRead: UInt32 = 0x01
    static let openWrite: UInt32 = 0x02
    static let openCreate: UInt32 = 0x08
    static let openTruncate: UInt32 = 0x10

    /// `SSH_FILEXFER_ATTR_*` attribute flags.
    static let attributeSize: UInt32 = 0x01
    static let attributeOwner: UInt32 = 0x02
    static let attributePermissions: UInt32 = 0x04
    static let attributeTimes: UInt32 = 0x08
    static let attributeExtended: UInt32 = 0x8000_0000

    /// `SSH_FX_OK` and `SSH_FX_EOF`, the statuses that are not failures.
    static let statusOK: UInt32 = 0
    static let statusEOF: UInt32 = 1

    /// The largest reply accepted: OpenSSH's sftp-server sends at most 256 KiB, and this client never asks
    /// for more than `SessionHandle.requestSize` bytes at once.
    static let maximumLength = 1 << 20

    /// What a status code means, for error messages (codes beyond 8 are from later drafts some servers send).
    static func meaning(ofStatus status: UInt32) -> String {
        switch status {
        case 1: "end of file"
        case 2: "no such file"
        case 3: "permission denied"
        case 4: "failure (e.g. directory not empty, already exists)"
        case 5: "bad message"
        case 8: "operation unsupported"
        case 11: "file already exists"
        case 14: "no space on the filesystem"
        case 15: "quota exceeded"
        default: "status \(status)"
        }
    }
}

/// Builds one request packet: the length, the type, then the fields in order.
struct SFTPPacketWriter {
    private(set) var bytes: [UInt8]

    init(_ type: SFTPPacket.Message, id: UInt32?) {
        bytes = [0, 0, 0, 0, type.rawValue]
        if let id { u32(id) }
    }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string<Bytes: Collection<UInt8>>(_ value: Bytes) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) { string(Array(value.utf8)) }

    /// Attributes that set only the mode, or none.
    mutating func attributes(permissions: UInt32?) {
        guard let permissions else { return u32(0) }
        u32(SFTPPacket.attributePermissions)
        u32(permissions)
    }

    /// The packet with its length filled in.
    var packet: [UInt8] {
        var result = bytes
        let length = UInt32(bytes.count - 4).bigEndian
        withUnsafeBytes(of: length) { for (index, byte) in $0.enumerated() { result[index] = byte } }
        return result
    }
}

/// Reads the fields of one reply's payload in order.
struct SFTPPacketReader {
    private let bytes: ArraySlice<UInt8>
    private var offset: Int
    /// Where the reply came from, for error messages.
    private let source: String

    init(_ bytes: ArraySlice<UInt8>, source: String) {
        self.bytes = bytes
        offset = bytes.startIndex
        self.source = source
    }

    private func malformed() -> SSHError {
        SSHError(.sftp, "\(source) sent a malformed SFTP reply")
    }

    private mutating func take(_ count: Int) throws(SSHError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.endIndex - offset >= count else { throw malformed() }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func u8() throws(SSHError) -> UInt8 { try take(1).first! }

    mutating func u32() throws(SSHError) -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws(SSHError) -> UInt64 {
        try take(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func string() throws(SSHError) -> ArraySlice<UInt8> {
        try take(Int(try u32()))
    }

    /// An attribute block; fields the server did not send are `nil`, extensions are skipped.
    mutating func attributes() throws(SSHError) -> SFTPFileAttributes {
        let flags = try u32()
        let size = flags & SFTPPacket.attributeSize != 0 ? try u64() : nil
        if flags & SFTPPacket.attributeOwner != 0 { _ = try take(8) }
        let permissions = flags & SFTPPacket.attributePermissions != 0 ? try u32() : nil
        var modified: UInt64?
        if flags & SFTPPacket.attributeTimes != 0 {
            _ = try u32()  // access time
            modified = UInt64(try u32())
        }
        if flags & SFTPPacket.attributeExtended != 0 {
            for _ in 0..<(try u32()) {
                _ = try string()
                _ = try string()
            }
        }
        return SFTPFileAttributes(size: size, permissions: permissions, modificationTime: modified)
    }
}
