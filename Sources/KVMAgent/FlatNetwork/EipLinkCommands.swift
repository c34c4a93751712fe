/// The `ip` commands an EIP's namespace needs beyond the bridge routes': veth pairs moved into a
/// namespace, link aliases, addresses, a permanent neighbour and the default route.
extension IPLink {
    /// A veth pair, both ends here (deip.py makes them in the host, then moves the inner end).
    func addVeth(_ name: String, peer: String) async throws {
        try await ip(["link", "add", name, "type", "veth", "peer", "name", peer])
    }

    func setAlias(_ name: String, _ alias: String) async throws {
        try await ip(["link", "set", "dev", name, "alias", alias])
    }

    func moveToNamespace(_ name: String, _ namespace: String) async throws {
        try await ip(["link", "set", "dev", name, "netns", namespace])
    }

    /// Makes `cidr` the only global address of its family on `device` (an IPv6 device keeps its
    /// link-local address, which neighbour discovery needs).
    func setOnlyAddress(_ cidr: String, device: String, ipv6: Bool) async throws {
        let current = try await addresses(device: device)[device] ?? []
        let same = current.filter { $0.family == (ipv6 ? "inet6" : "inet") && $0.scope == "global" }.compactMap { address in
            address.local.flatMap { local in address.prefixlen.map { "\(local)/\($0)" } }
        }
        guard same != [cidr] else { return }
        try await ip([ipv6 ? "-6" : "-4", "addr", "flush", "dev", device, "scope", "global"])
        try await ip(["addr", "add", cidr, "dev", device])
    }

    /// A permanent neighbour entry, replacing whatever the kernel learnt.
    func setNeighbor(_ address: String, mac: String, device: String) async throws {
        try await ip(["neigh", "replace", address, "lladdr", mac, "dev", device, "nud", "permanent"])
    }

    func setDefaultRoute(via gateway: String, ipv6: Bool) async throws {
        try await ip([ipv6 ? "-6" : "-4", "route", "replace", "default", "via", gateway])
    }
}
