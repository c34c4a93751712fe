import NIOCore

/// One `--allow-from` entry: an IPv4 or IPv6 network in CIDR form (`10.0.0.0/24`, `fd00::/8`) or a single
/// address. Connections from outside every configured range are closed at accept, before a byte is read:
/// the protection an unmodified MN on plain HTTP still gets.
public struct SourceAddressRange: Sendable, Equatable, CustomStringConvertible {
    private let network: [UInt8]
    private let prefixLength: Int

    /// - Throws: `AgentSecurityError` naming the entry when it is not an address or CIDR.
    public init(_ text: String) throws(AgentSecurityError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = Self.addressBytes(String(parts[0])) else {
            throw AgentSecurityError("allow-from entry \(text.debugDescription) is not an IPv4 or IPv6 address or network")
        }
        let maximum = bytes.count * 8
        var length = maximum
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...maximum).contains(given), parts[1].allSatisfy(\.isASCII) else {
                throw AgentSecurityError("allow-from entry \(text.debugDescription) has a prefix length outside 0...\(maximum)")
            }
            length = given
        }
        network = Self.masked(bytes, length)
        prefixLength = length
    }

    public var description: String {
        let address = network.count == 4
            ? network.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(network[$0]) << 8 | UInt16(network[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        return "\(address)/\(prefixLength)"
    }

    /// Whether `address` (a connection's peer) lies in this range. An IPv4 peer seen through an IPv6
    /// socket (`::ffff:a.b.c.d`) counts as that IPv4 address.
    public func contains(_ address: SocketAddress) -> Bool {
        guard let bytes = Self.peerBytes(address), bytes.count == network.count else { return false }
        return Self.masked(bytes, prefixLength) == network
    }

    /// Whether every address of `other` lies in this range.
    public func covers(_ other: SourceAddressRange) -> Bool {
        other.network.count == network.count && other.prefixLength >= prefixLength
            && Self.masked(other.network, prefixLength) == network
    }

    static func peerBytes(_ address: SocketAddress) -> [UInt8]? {
        switch address {
        // Read by offset in the Linux sockaddr layouts (family, port, [flow info,] address), which keeps the
        // C field names, hidden behind NIO's shim module, out of this file.
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address) { Array($0[4..<8]) }
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address) { Array($0[8..<24]) }
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff]
            return Array(bytes.prefix(12)) == mappedPrefix ? Array(bytes.suffix(4)) : bytes
        case .unixDomainSocket:
            return nil
        }
    }

    private static func addressBytes(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }),
              let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        return peerBytes(address)
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(8, max(0, length - index * 8))
            return bits == 8 ? byte : byte & ~(UInt8(0xff) >> bits)
        }
    }
}
