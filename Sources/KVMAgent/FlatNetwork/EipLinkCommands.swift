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

    /// Makes `cidr` the only IPv4 address of `device`.
    func setOnlyAddress(_ cidr: String, device: String) async throws {
        let current = try await addresses(device: device)[device] ?? []
        let ipv4 = current.filter { $0.family == "inet" }.compactMap { address in
            address.local.flatMap { local in address.prefixlen.map { "\(local)/\($0)" } }
        }
        guard ipv4 != [cidr] else { return }
        try await ip(["-4", "addr", "flush", "dev", device])
        try await ip(["addr", "add", cidr, "dev", device])
    }

    /// A permanent neighbour entry, replacing whatever the kernel learnt.
    func setNeighbor(_ address: String, mac: String, device: String) async throws {
        try await ip(["neigh", "replace", address, "lladdr", mac, "dev", device, "nud", "permanent"])
    }

    func setDefaultRoute(via gateway: String) async throws {
        try await ip(["route", "replace", "default", "via", gateway])
    }
}
