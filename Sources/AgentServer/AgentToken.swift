#if canImport(Glibc)
import Glibc
#endif

/// A bearer token read from a file only its owner can read. Equality is constant-time, so a peer cannot
/// learn the token byte by byte from response timing.
public struct AgentToken: Sendable, Equatable {
    private let bytes: [UInt8]

    /// Shortest token accepted: anything shorter is guessable.
    public static let minimumLength = 16

    public init(_ token: String) throws(AgentSecurityError) {
        let bytes = Array(token.utf8)
        guard bytes.count >= Self.minimumLength else {
            throw AgentSecurityError("the token is \(bytes.count) bytes; at least \(Self.minimumLength) are required")
        }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw AgentSecurityError("the token must be printable ASCII without blanks")
        }
        self.bytes = bytes
    }

    /// Reads the token from `path`, refusing a file that group or others can read or write: a token that
    /// any local user can read authenticates nobody.
    public static func load(path: String) throws(AgentSecurityError) -> AgentToken {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AgentSecurityError("cannot read the token file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw AgentSecurityError("the token file \(path) is not a regular file")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw AgentSecurityError(
                "the token file \(path) has mode \(String(status.st_mode & 0o777, radix: 8)); it must not be accessible to group or others (chmod 600)")
        }
        guard status.st_size <= 4096 else { throw AgentSecurityError("the token file \(path) is larger than 4 KiB") }
        var buffer = [UInt8](repeating: 0, count: Int(status.st_size))
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw AgentSecurityError("cannot read the token file \(path): \(String(cString: strerror(errno)))") }
        let text = String(decoding: buffer.prefix(count), as: UTF8.self)
        return try AgentToken(String(text.filter { !$0.isNewline }))
    }

    /// Whether an `Authorization` header value carries this token.
    func accepts(authorization header: String?) -> Bool {
        guard let header else { return false }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix) else { return false }
        return Self.constantTimeEqual(Array(header.utf8.dropFirst(prefix.utf8.count)), bytes)
    }

    /// The bearer header value a client sends.
    public var authorizationHeader: String { "Bearer " + String(decoding: bytes, as: UTF8.self) }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // Length differences leak only the length, which the minimum length makes worthless.
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
