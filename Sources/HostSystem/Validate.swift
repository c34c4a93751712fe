/// Field validators: each returns the value in canonical form or throws `InvalidField` naming it.
/// Every string an agent puts into an iptables rule, a dnsmasq file, a haproxy config or a file path passes
/// through one of these first.
public enum Validate {
    public static func required(_ value: String?, _ field: String, expected: String) throws(InvalidField) -> String {
        guard let value, !value.isEmpty else { throw InvalidField(field: field, value: value, expected: expected) }
        return value
    }

    /// A MAC address, returned lower-cased (ZStack sends lower case; `ip link` prints lower case).
    public static func mac(_ value: String?, _ field: String) throws(InvalidField) -> String {
        let expected = "a MAC address like 52:54:00:12:34:56"
        guard let mac = try NetworkNames.canonicalMAC(required(value, field, expected: expected)) else {
            throw InvalidField(field: field, value: value, expected: expected)
        }
        return mac
    }

    public static func ipv4(_ value: String?, _ field: String) throws(InvalidField) -> IPv4Address {
        guard let value, let address = IPv4Address(value) else {
            throw InvalidField(field: field, value: value, expected: "an IPv4 address")
        }
        return address
    }

    /// A dotted netmask, returned as its prefix length.
    public static func netmask(_ value: String?, _ field: String) throws(InvalidField) -> Int {
        guard let value, let prefix = IPv4Address(value)?.prefixLength else {
            throw InvalidField(field: field, value: value, expected: "a netmask like 255.255.255.0")
        }
        return prefix
    }

    /// An IPv4 network `a.b.c.d/n` (or a bare address, meaning /32), returned in `iptables-save` form.
    public static func cidr(_ value: String?, _ field: String) throws(InvalidField) -> String {
        let expected = "an IPv4 CIDR like 10.0.0.0/24"
        guard let value else { throw InvalidField(field: field, value: value, expected: expected) }
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPv4Address(String(parts[0])) else {
            throw InvalidField(field: field, value: value, expected: expected)
        }
        var prefix = 32
        if parts.count == 2 {
            guard parts[1].allSatisfy(\.isASCIIDigit), let bits = Int(parts[1]), (0...32).contains(bits) else {
                throw InvalidField(field: field, value: value, expected: expected)
            }
            prefix = bits
        }
        return "\(address.network(prefixLength: prefix))/\(prefix)"
    }

    public static func port(_ value: Int?, _ field: String) throws(InvalidField) -> Int {
        guard let value, (1...65535).contains(value) else {
            throw InvalidField(field: field, value: value.map(String.init), expected: "a port between 1 and 65535")
        }
        return value
    }

    /// A `start...end` port range with start ≤ end.
    public static func portRange(_ start: Int?, _ end: Int?, _ field: String) throws(InvalidField) -> ClosedRange<Int> {
        let low = try port(start, field + "Start")
        let high = try port(end, field + "End")
        guard low <= high else {
            throw InvalidField(field: field + "End", value: String(high), expected: "at least \(field)Start (\(low))")
        }
        return low...high
    }

    /// `TCP` or `UDP` in any case, returned upper-cased as ZStack names its chains.
    public static func transport(_ value: String?, _ field: String) throws(InvalidField) -> String {
        guard let upper = value?.uppercased(), upper == "TCP" || upper == "UDP" else {
            throw InvalidField(field: field, value: value, expected: "TCP or UDP")
        }
        return upper
    }

    /// A DNS name: dot-separated labels of letters, digits and inner hyphens (RFC 1123).
    public static func dnsName(_ value: String?, _ field: String) throws(InvalidField) -> String {
        let expected = "a host or domain name (letters, digits, '-' and '.')"
        guard let value, !value.isEmpty, value.utf8.count <= 253 else {
            throw InvalidField(field: field, value: value, expected: expected)
        }
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        let valid = labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
        guard valid else { throw InvalidField(field: field, value: value, expected: expected) }
        return value
    }

    /// An identifier that becomes part of a file name (ZStack UUIDs): letters, digits, '-' and '_'.
    public static func identifier(_ value: String?, _ field: String) throws(InvalidField) -> String {
        let expected = "an identifier of letters, digits, '-' and '_'"
        guard let value, (1...64).contains(value.count),
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw InvalidField(field: field, value: value, expected: expected) }
        return value
    }
}
