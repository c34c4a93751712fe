#if canImport(Glibc)
import Glibc
#endif

/// An IPv6 address parsed and printed by the C library (`inet_pton`, `inet_ntop`), so its text is canonical
/// (lower case, longest zero run compressed) — how `ip6tables-save`, `ipset list` and `ip` print it.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The 16 bytes in network order.
    public let bytes: [UInt8]

    /// Only hex digits, ':' and '.' are looked at by `inet_pton`: anything else (a zone `%eth0`, a NUL that C
    /// would stop at) is refused first.
    public init?(_ text: String) {
        guard (2...45).contains(text.utf8.count),
              text.utf8.allSatisfy({ $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") || Character(Unicode.Scalar($0)).isHexDigit })
        else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, text, &bytes) == 1 else { return nil }
        self.bytes = bytes
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, bytes, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The first address of the `prefix`-long network holding this one.
    public func network(prefixLength prefix: Int) -> IPv6Address {
        IPv6Address(bytes: bytes.enumerated().map { index, byte in
            let kept = min(8, max(0, prefix - 8 * index))
            return kept == 8 ? byte : byte & ~(0xff >> kept)
        })
    }
}
