import HostSystem

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `ip` commands of the flat network's namespaces: namespace ids, veth pairs, addresses and routes.
extension IPLink {
    private struct NamespaceID: Decodable {
        var nsid: Int
        var name: String?
    }

    private struct Route: Decodable {
        var dst: String?
    }

    /// The ids this namespace gives other namespaces (`ip netns list-id`), by name where they have one; the
    /// unnamed ones are listed under "" so a new id never reuses theirs.
    func namespaceIDs() async throws -> [(id: Int, name: String)] {
        let output = try await ip(["-j", "netns", "list-id"]).standardOutput
        guard !output.isEmpty else { return [] }
        return try JSONDecoder().decode([NamespaceID].self, from: Data(output)).map { ($0.nsid, $0.name ?? "") }
    }

    /// Gives namespace `name` the id `id` in this namespace (`ip netns set`): the veth names carry it.
    func setNamespaceID(_ name: String, _ id: Int) async throws {
        try await ip(["netns", "set", name, String(id)])
    }

    func addVethPair(_ name: String, peer: String) async throws {
        try await ip(["link", "add", name, "type", "veth", "peer", "name", peer])
    }

    /// Moves `link` into namespace `name`.
    func move(_ link: String, toNamespace name: String) async throws {
        try await ip(["link", "set", "dev", link, "netns", name])
    }

    func addAddress(_ address: IPv4Address, prefixLength: Int, device: String) async throws {
        try await ip(["addr", "add", "\(address)/\(prefixLength)", "dev", device])
    }

    func deleteAddress(_ address: IPv4Address, prefixLength: Int, device: String) async throws {
        try await ip(["addr", "del", "\(address)/\(prefixLength)", "dev", device])
    }

    func flushAddresses(_ device: String) async throws {
        try await ip(["addr", "flush", "dev", device])
    }

    /// The destinations of the main routing table (`default` for the default route).
    func routeDestinations() async throws -> [String] {
        let output = try await ip(["-j", "route", "show"]).standardOutput
        guard !output.isEmpty else { return [] }
        return try JSONDecoder().decode([Route].self, from: Data(output)).compactMap(\.dst)
    }

    func addDefaultRoute(device: String) async throws {
        try await ip(["route", "add", "default", "dev", device])
    }

    /// The pids of the processes whose network namespace is `name` (`ip netns pids`).
    func namespacePids(_ name: String) async throws -> [pid_t] {
        try await ip(["netns", "pids", name]).text.split(separator: "\n").compactMap { pid_t($0) }
    }
}
