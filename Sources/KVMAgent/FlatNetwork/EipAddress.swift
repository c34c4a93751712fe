import HostSystem

#if canImport(Glibc)
import Glibc
#endif

/// An EIP's address of either family: deip.py makes IPv4 and IPv6 EIPs alike, with the family's tools.
/// IPv6 text is parsed and printed by the C library (`inet_pton`, `inet_ntop`), so it is canonical
/// (`2001:db8::5`) wherever it is written.
enum EipAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6([UInt8])

    init?(_ text: String, version: Int) {
        if version == 4 {
            guard let address = IPv4Address(text) else { return nil }
            self = .v4(address)
            return
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard !text.contains("%"), inet_pton(AF_INET6, text, &bytes) == 1 else { return nil }
        self = .v6(bytes)
    }

    /// 32 or 128: the prefix of one host.
    var bits: Int {
        if case .v4 = self { return 32 }
        return 128
    }

    var description: String {
        switch self {
        case .v4(let address):
            return "\(address)"
        case .v6(let bytes):
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = inet_ntop(AF_INET6, bytes, &text, socklen_t(text.count))
            return String(cString: text)
        }
    }

    /// The first address of the `prefix`-long network holding this one.
    func network(prefixLength prefix: Int) -> EipAddress {
        switch self {
        case .v4(let address):
            return .v4(address.network(prefixLength: prefix))
        case .v6(let bytes):
            return .v6(bytes.enumerated().map { index, byte in
                let kept = min(8, max(0, prefix - 8 * index))
                return kept == 8 ? byte : byte & ~(0xff >> kept)
            })
        }
    }
}
