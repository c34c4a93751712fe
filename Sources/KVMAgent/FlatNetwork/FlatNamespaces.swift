import HostSystem

#if canImport(Glibc)
import Glibc
#endif

/// The network namespace of each flat L3 network, joined to the L2 network's bridge by a veth pair
/// (`outer<id>` on the bridge, `inner<id>` inside), as mevoco.py's `DhcpEnv.prepare` builds it. The id is the
/// namespace's nsid in the host's namespace, set when the namespace is made (mevoco.py's
/// `get_namespace_id`: the existing id, or one past the highest).
///
/// Namespaces are made and deleted from the agent's own context (`ip netns add` inside `ip netns exec`
/// would bind its /run/netns entry into a private mount namespace); bridges, outer ends and ids live in the
/// host's namespace (`KVMAgentConfiguration.networkNamespace`, nil in production).
struct FlatNamespaces: Sendable {
    let runner: ProcessRunner
    /// The host's namespace: bridges, outer ends, namespace ids.
    let host: IPLink
    /// The agent's own context, for `ip netns add/delete/pids`.
    let root: IPLink

    init(runner: ProcessRunner, hostNamespace: String?) {
        self.runner = runner
        host = IPLink(runner: runner, namespace: hostNamespace)
        root = IPLink(runner: runner, namespace: nil)
    }

    func inside(_ namespace: String) -> IPLink { IPLink(runner: runner, namespace: namespace) }

    func exists(_ namespace: String) -> Bool { Files.exists("/run/netns/" + namespace) }

    /// The namespace's id in the host, nil when it has none (or does not exist).
    func id(of namespace: String) async throws -> Int? {
        guard exists(namespace) else { return nil }
        return try await host.namespaceIDs().first { $0.name == namespace }?.id
    }

    /// Makes (or finds) the namespace, its id and its veth pair on `bridge`, both ends up. Nothing is made
    /// when the bridge does not exist: the MN creates bridges first, and a typo must not leave a namespace.
    /// - Returns: the namespace's id, which names the veth ends.
    func prepare(_ namespace: String, bridge: String) async throws -> Int {
        guard try await host.links()[bridge]?.isBridge == true else {
            throw KVMAgentError(.network, "bridge \(bridge) does not exist on this host: cannot prepare namespace \(namespace)")
        }
        if !exists(namespace) {
            try await root.ip(["netns", "add", namespace])
            try await inside(namespace).setUp("lo")
            // The namespace must not configure itself from router advertisements on the L2 network (mevoco.py);
            // `default` covers the inner end, which takes the namespace's defaults when it moves in.
            var sysctl = runner
            sysctl.networkNamespace = namespace
            for scope in ["all", "default"] { try await sysctl.run("sysctl", ["-qw", "net.ipv6.conf.\(scope).accept_ra=0"]) }
        }
        let id = try await assignID(namespace)
        let (outer, inner) = (FlatNames.outer(id), FlatNames.inner(id))
        if try await inside(namespace).links()[inner] == nil {
            // An outer end without its peer is left from a namespace deleted behind the agent's back.
            if try await host.links()[outer] != nil { try await host.delete(outer) }
            try await host.addVethPair(outer, peer: inner)
            try await host.move(inner, toNamespace: namespace)
        }
        if try await host.links()[outer]?.master != bridge { try await host.setMaster(outer, bridge: bridge) }
        try await host.setUp(outer)
        try await inside(namespace).setUp(inner)
        return id
    }

    /// The inner end's MAC address: the userdata rules send metadata frames to it.
    func innerMAC(_ namespace: String, id: Int) async throws -> String {
        guard let mac = try await inside(namespace).links()[FlatNames.inner(id)]?.address else {
            throw KVMAgentError(.network, "namespace \(namespace) has no \(FlatNames.inner(id))")
        }
        return mac
    }

    /// The IPv4 addresses of the inner end, with their prefix lengths.
    func innerAddresses(_ namespace: String, id: Int) async throws -> [(IPv4Address, Int)] {
        let inner = FlatNames.inner(id)
        return try await inside(namespace).addresses(device: inner)[inner, default: []].compactMap { address in
            guard address.family == "inet", let local = address.local.flatMap(IPv4Address.init),
                  let prefix = address.prefixlen else { return nil }
            return (local, prefix)
        }
    }

    /// Makes the inner end hold exactly `addresses` (the DHCP server's and the metadata address), replacing
    /// any others, as mevoco.py flushes and re-adds when the server address changed.
    func setInnerAddresses(_ namespace: String, id: Int, _ addresses: [(IPv4Address, Int)]) async throws {
        let current = try await innerAddresses(namespace, id: id)
        guard current.map({ "\($0.0)/\($0.1)" }).sorted() != addresses.map({ "\($0.0)/\($0.1)" }).sorted() else { return }
        let link = inside(namespace)
        try await link.flushAddresses(FlatNames.inner(id))
        for (address, prefix) in addresses {
            try await link.addAddress(address, prefixLength: prefix, device: FlatNames.inner(id))
        }
    }

    /// Ends whatever still runs in the namespace, removes the outer end and deletes the namespace. Nothing
    /// to do when it does not exist.
    func delete(_ namespace: String) async throws {
        guard exists(namespace) else { return }
        if let id = try await id(of: namespace), try await host.links()[FlatNames.outer(id)] != nil {
            try await host.delete(FlatNames.outer(id))
        }
        // A process left inside would keep the namespace alive after its name is gone.
        for pid in try await root.namespacePids(namespace) { await DaemonProcess.stop(pid) }
        try await root.ip(["netns", "delete", namespace])
    }

    private func assignID(_ namespace: String) async throws -> Int {
        let ids = try await host.namespaceIDs()
        if let existing = ids.first(where: { $0.name == namespace }) { return existing.id }
        let id = (ids.map(\.id).max() ?? -1) + 1
        try await host.setNamespaceID(namespace, id)
        return id
    }
}
