#if canImport(Glibc)
import Glibc
#endif

extension Validate {
    /// An IPv6 address, returned as `inet_ntop` writes it (lower case, longest zero run compressed), which is
    /// how `ip6tables-save` and `ipset list` print it. Only hex digits, ':' and '.' are looked at by
    /// `inet_pton`: anything else (a zone `%eth0`, a NUL that C would stop at) is refused first.
    public static func ipv6(_ value: String?, _ field: String) throws(InvalidField) -> String {
        let expected = "an IPv6 address"
        guard let value, (2...45).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") || Character(Unicode.Scalar($0)).isHexDigit })
        else { throw InvalidField(field: field, value: value, expected: expected) }
        var address = in6_addr()
        guard inet_pton(AF_INET6, value, &address) == 1 else { throw InvalidField(field: field, value: value, expected: expected) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else {
            throw InvalidField(field: field, value: value, expected: expected)
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
