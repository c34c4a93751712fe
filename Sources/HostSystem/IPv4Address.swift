/// A strictly parsed dotted-quad IPv4 address (no leading zeros, no shorthand forms).
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit),
                  part.count == 1 || part.first != "0", let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        self.value = value
    }

    /// The netmask with `prefix` leading ones.
    public init(netmaskPrefix prefix: Int) {
        self.value = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
    }

    public var description: String {
        (0..<4).map { String(value >> (24 - 8 * $0) & 0xff) }.joined(separator: ".")
    }

    /// The prefix length of a contiguous netmask, or nil when the mask has holes.
    public var prefixLength: Int? {
        let ones = value.nonzeroBitCount
        return IPv4Address(netmaskPrefix: ones) == self ? ones : nil
    }

    public func network(prefixLength: Int) -> IPv4Address {
        IPv4Address(value & IPv4Address(netmaskPrefix: prefixLength).value)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

extension Character {
    /// 0-9 only: `isNumber` alone also accepts other scripts' digits and fractions.
    public var isASCIIDigit: Bool { isASCII && isNumber }
}
