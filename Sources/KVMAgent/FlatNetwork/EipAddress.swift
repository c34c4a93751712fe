import HostSystem

/// An EIP's address of either family: deip.py makes IPv4 and IPv6 EIPs alike, with the family's tools.
enum EipAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    init?(_ text: String, version: Int) {
        if version == 4 {
            guard let address = IPv4Address(text) else { return nil }
            self = .v4(address)
        } else {
            guard let address = IPv6Address(text) else { return nil }
            self = .v6(address)
        }
    }

    /// 32 or 128: the prefix of one host.
    var bits: Int {
        if case .v4 = self { return 32 }
        return 128
    }

    var description: String {
        switch self {
        case .v4(let address): "\(address)"
        case .v6(let address): "\(address)"
        }
    }

    /// The first address of the `prefix`-long network holding this one.
    func network(prefixLength prefix: Int) -> EipAddress {
        switch self {
        case .v4(let address): .v4(address.network(prefixLength: prefix))
        case .v6(let address): .v6(address.network(prefixLength: prefix))
        }
    }
}
