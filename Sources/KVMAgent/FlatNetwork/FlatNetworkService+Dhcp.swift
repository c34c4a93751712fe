import HostSystem

/// DHCP and DNS: the namespace's address and isolation, and dnsmasq serving the NICs the MN names.
extension FlatNetworkService {
    /// mevoco.py's `prepare_dhcp`: the namespace, its veth pair, the server address on the inner end (with
    /// 169.254.169.254) and the DHCP chain. A changed server address replaces the old one, its chain, and
    /// the dnsmasq bound to it (`bind-interfaces`); the next apply starts dnsmasq again.
    func prepare(_ request: FlatDhcpRequests.Prepare) async throws {
        let id = try await namespaces.prepare(request.namespace, bridge: request.bridge)
        guard let (server, prefix) = request.server else { return }
        let old = try await serverAddresses(request.namespace, id: id).map(\.0)
        if old.contains(where: { $0 != server }) { await dnsmasq(request.namespace).stop() }
        try await namespaces.setInnerAddresses(request.namespace, id: id, [(server, prefix), (FlatNames.metadataAddress, 32)])
        let chains = Set(([server] + old).map(FlatNames.dhcpChain))
        try await ebtables(FlatEbtables.dhcp(server: server, uplink: FlatNames.uplink(ofBridge: request.bridge), owning: chains))
        try await IptablesApplier(runner: runner(in: request.namespace)).apply(Self.checksumFill)
    }

    /// dnsmasq's replies leave the veth with their UDP checksum left to the NIC (CHECKSUM_PARTIAL), which
    /// some guests behind a tap drop: mevoco.py fills it in the host's mangle table, for bridged frames (with
    /// br_netfilter); here it is filled where the replies are sent, inside the namespace, which needs
    /// no br_netfilter.
    static var checksumFill: IptablesRuleSet {
        var rules = IptablesRuleSet(table: "mangle", ownership: IptablesChainOwnership(prefixes: ["ZSTACK-DHCP-CHECKSUM"]))
        rules.add("ZSTACK-DHCP-CHECKSUM", "-p udp -m udp --dport 68 -j CHECKSUM --checksum-fill")
        rules.jump(from: "POSTROUTING", "", to: "ZSTACK-DHCP-CHECKSUM")
        return rules
    }

    /// mevoco.py's `do_apply_dhcp`: each namespace's entries added to the ones it serves (a NIC's earlier
    /// entry, by MAC or address, replaced), or with `rebuild` replacing them all.
    func apply(_ request: FlatDhcpRequests.Apply) async throws {
        for namespace in request.namespaces {
            guard try await namespaces.id(of: namespace.name) != nil else {
                throw KVMAgentError(.network, "namespace \(namespace.name) does not exist: /flatnetworkprovider/dhcp/prepare comes first")
            }
            var entries = namespace.rebuild ? [] : try entries(of: namespace.name)
            for entry in namespace.entries {
                entries.removeAll { $0.collides(with: entry) }
                entries.append(entry)
            }
            try await serve(namespace.name, entries)
        }
    }

    /// mevoco.py's `release_dhcp`: the NICs' entries go (by MAC, and by address).
    func release(_ request: FlatDhcpRequests.Release) async throws {
        for namespace in Set(request.nics.map(\.namespace)).sorted() {
            let nics = request.nics.filter { $0.namespace == namespace }
            let entries = try entries(of: namespace).filter { entry in
                !nics.contains { $0.mac == entry.mac || $0.ip == entry.ip }
            }
            try await serve(namespace, entries)
        }
    }

    /// mevoco.py's `reset_default_gateway`: one NIC loses its router option, another gains one.
    func resetGateway(_ request: FlatDhcpRequests.ResetGateway) async throws {
        if let remove = request.remove {
            try await serve(remove.namespace, try entries(of: remove.namespace).map { entry in
                var entry = entry
                if entry.mac == remove.mac, entry.router == remove.gateway { entry.router = nil }
                return entry
            })
        }
        if let add = request.add {
            try await serve(add.namespace, try entries(of: add.namespace).map { entry in
                var entry = entry
                if entry.mac == add.mac { entry.router = add.gateway }
                return entry
            })
        }
    }

    /// mevoco.py's `delete_dhcp_namespace`: dnsmasq, the DHCP chain, everything running inside, the veth
    /// pair and the namespace go, and dnsmasq's files with them.
    func deleteNamespace(_ request: FlatDhcpRequests.Namespace) async throws {
        if let id = try await namespaces.id(of: request.namespace) {
            try await removeDhcpChains(request.namespace, id: id)
        }
        await dnsmasq(request.namespace).stop()
        await lighttpd(request.namespace).stop()
        try await namespaces.delete(request.namespace)
        try Files.removeTree(paths.dnsmasq(request.namespace).directory)
    }

    /// mevoco.py's `flush_dhcp_namespace` (`DhcpNameSpaceEnv.disable`): the namespace stays, without its
    /// DHCP server address, chain or dnsmasq; the entries stay on file for the next prepare and apply.
    func flush(_ request: FlatDhcpRequests.Namespace) async throws {
        guard let id = try await namespaces.id(of: request.namespace) else { return }
        await dnsmasq(request.namespace).stop()
        let servers = try await removeDhcpChains(request.namespace, id: id)
        for (address, prefix) in servers {
            try await namespaces.inside(request.namespace).deleteAddress(address, prefixLength: prefix, device: FlatNames.inner(id))
        }
    }

    /// mevoco.py's `arping_dhcp_namespace`: the MACs answering for the target on the L2 network, asked from
    /// the namespace (made for the occasion, and removed again, when the L3 network has none yet).
    func arping(_ request: FlatDhcpRequests.Arping) async throws -> [String] {
        let existed = namespaces.exists(request.namespace)
        let id = try await namespaces.prepare(request.namespace, bridge: request.bridge)
        let output = try await runner(in: request.namespace).execute(
            "arping", ["-I", FlatNames.inner(id), "-w", "1", "-c", "3", "-D", "\(request.target)"], timeout: .seconds(10))
        if !existed { try await namespaces.delete(request.namespace) }
        // "Unicast reply from 172.25.19.33 [AC:1F:6B:EE:87:B2]  0.641ms"
        return output.output.text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("Unicast reply from"), let open = line.firstIndex(of: "["),
                  let close = line.firstIndex(of: "]"), open < close else { return nil }
            return NetworkNames.canonicalMAC(String(line[line.index(after: open)..<close]))
        }
    }

    /// The entries a namespace serves, from its file (none when it has none).
    func entries(of namespace: String) throws -> [FlatDhcpEntry] {
        try Self.decode([FlatDhcpEntry].self, from: paths.dnsmasq(namespace).entries) ?? []
    }

    /// Renders and writes the namespace's dnsmasq files from `entries` and (re)starts dnsmasq when a file
    /// changed or it is not running; a repeated command changes nothing. dnsmasq restarts rather than
    /// reloading (DESIGN §6: Debian 12's dnsmasq crashes on SIGHUP once `set:` leases exist); its leases
    /// are static, so nothing is lost. Without the namespace (deleted meanwhile) only the files change.
    private func serve(_ namespace: String, _ entries: [FlatDhcpEntry]) async throws {
        let files = paths.dnsmasq(namespace)
        guard !entries.isEmpty || Files.exists(files.entries) else { return }
        try Files.makeDirectories(files.directory)
        let id = try await namespaces.id(of: namespace)
        let rendered = FlatDnsmasqFiles(entries: entries, paths: files, interface: FlatNames.inner(id ?? 0))
        var changed = false
        for (content, path) in [(rendered.hosts, files.hosts), (rendered.options, files.options),
                                (rendered.dnsHosts, files.dnsHosts), (rendered.conf, files.conf)] {
            changed = try Files.writeIfChanged(content, to: path) || changed
        }
        try Files.writeIfChanged(Self.encode(entries), to: files.entries)
        let daemon = dnsmasq(namespace)
        guard id != nil, !entries.isEmpty else {
            await daemon.stop()
            return
        }
        if changed || daemon.pid == nil { try await daemon.restart() }
    }

    /// Removes the DHCP chains of the inner end's server addresses; returns those addresses.
    @discardableResult
    private func removeDhcpChains(_ namespace: String, id: Int) async throws -> [(IPv4Address, Int)] {
        let servers = try await serverAddresses(namespace, id: id)
        if !servers.isEmpty { try await ebtables(FlatEbtables.removal(table: "filter", Set(servers.map { FlatNames.dhcpChain($0.0) }))) }
        return servers
    }
}
