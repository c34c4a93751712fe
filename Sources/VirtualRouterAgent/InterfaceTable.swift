import HostSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The router's interfaces as `ip -json addr show` reports them: how commands that name a NIC by MAC
/// or by one of its addresses are turned into interface names.
public struct InterfaceTable: Sendable, Equatable {
    public struct Interface: Sendable, Equatable {
        public var name: String
        public var mac: String
        public var addresses: [Address]
    }

    public struct Address: Sendable, Equatable, Hashable {
        public var ip: IPv4Address
        public var prefixLength: Int
    }

    public var interfaces: [Interface]

    public init(interfaces: [Interface]) { self.interfaces = interfaces }

    /// Parses `ip -json addr show` output.
    public init(ipJSON: String) throws {
        struct Link: Decodable {
            struct AddrInfo: Decodable { var family: String?; var local: String?; var prefixlen: Int? }
            var ifname: String
            var address: String?
            var addr_info: [AddrInfo]?
        }
        let links = try JSONDecoder().decode([Link].self, from: Data(ipJSON.utf8))
        interfaces = links.map { link in
            Interface(
                name: link.ifname,
                mac: link.address?.lowercased() ?? "",
                addresses: (link.addr_info ?? []).compactMap { info in
                    guard info.family == "inet", let local = info.local.flatMap(IPv4Address.init),
                          let prefix = info.prefixlen else { return nil }
                    return Address(ip: local, prefixLength: prefix)
                })
        }
    }

    func interface(mac: String, field: String) throws(RouterError) -> Interface {
        let matches = interfaces.filter { $0.mac == mac }
        guard let first = matches.first else { throw RouterError.noInterface(mac: mac, field: field) }
        guard matches.count == 1 else { throw RouterError.duplicateMAC(mac, matches.map(\.name)) }
        return first
    }

    func interface(holding ip: IPv4Address, field: String) throws(RouterError) -> Interface {
        guard let found = interfaces.first(where: { $0.addresses.contains { $0.ip == ip } }) else {
            throw RouterError.noInterfaceHolding(ip: ip, field: field)
        }
        return found
    }

    /// The first IPv4 address of a NIC: the guest gateway used by `snatInboundTraffic`.
    func primaryAddress(of nic: Interface, field: String) throws(RouterError) -> IPv4Address {
        guard let address = nic.addresses.first?.ip else { throw RouterError.noAddress(nic: nic.name, field: field) }
        return address
    }
}
