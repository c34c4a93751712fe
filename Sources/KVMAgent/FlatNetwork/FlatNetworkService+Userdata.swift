import HostSystem
import Logging

/// The metadata service: lighttpd inside each namespace on 169.254.169.254, serving each VM its own
/// userdata and metadata by the VM's source address.
///
/// Why lighttpd (as mevoco.py) and not a listener inside the agent: the server faces every guest, so it
/// runs apart from the root agent process (a guest's request never reaches the agent's code or its
/// connection limits); it lives in the namespace it serves without the agent switching threads between
/// namespaces (`setns`) for every socket; and it keeps serving while the agent restarts or upgrades. The
/// agent only writes its files and configuration, which tests read back and which a restarted agent finds.
extension FlatNetworkService {
    /// What one namespace serves, kept beside its files (`FlatNetworkPaths.Userdata.state`).
    struct UserdataState: Codable, Sendable, Equatable {
        var bridge: String
        var l3Uuid: String
        var port: Int
        var vms: [FlatUserdataVM]
    }

    /// mevoco.py's `apply_userdata` / `batch_apply_userdata`: per namespace, the namespace (made when the
    /// DHCP side has not), the metadata address, the redirect chains, port 80's DNAT to `port`, the VMs'
    /// files and lighttpd. `rebuild` replaces each named namespace's VMs with the ones sent.
    func applyUserdata(_ request: FlatUserdataRequests.Apply) async throws {
        for vms in request.namespaces {
            let first = vms[0]
            let files = paths.userdata(first.namespace)
            let id = try await namespaces.prepare(first.namespace, bridge: first.bridge)
            if try await !namespaces.innerAddresses(first.namespace, id: id).contains(where: { $0.0 == FlatNames.metadataAddress }) {
                try await namespaces.inside(first.namespace).addAddress(FlatNames.metadataAddress, prefixLength: 32,
                                                                         device: FlatNames.inner(id))
            }
            // Without a DHCP server address the namespace has no route back to the VMs (mevoco.py).
            if first.dhcpServer == nil, try await namespaces.inside(first.namespace).routeDestinations().isEmpty {
                try await namespaces.inside(first.namespace).addDefaultRoute(device: FlatNames.inner(id))
            }
            let previous = request.rebuild ? nil : try Self.decode(UserdataState.self, from: files.state)
            var state = UserdataState(bridge: first.bridge, l3Uuid: first.l3Uuid, port: first.port, vms: previous?.vms ?? [])
            for vm in vms {
                state.vms.removeAll { $0.ip == vm.data.ip }
                state.vms.append(vm.data)
            }
            try writeFiles(files, state: state, replacing: vms.map(\.data))
            try await redirect(first.namespace, id: id, state: state)
            try await serveUserdata(first.namespace, state)
        }
    }

    /// mevoco.py's `release_userdata`: one VM's files go, and its block in lighttpd's configuration.
    func releaseUserdata(_ request: FlatUserdataRequests.Release) async throws {
        let files = paths.userdata(request.namespace)
        try Files.removeTree(files.vm(request.vm))
        guard var state = try Self.decode(UserdataState.self, from: files.state) else { return }
        state.vms.removeAll { $0.ip == request.vm }
        try Files.writeIfChanged(Self.encode(state), to: files.state)
        try await serveUserdata(request.namespace, state)
    }

    /// mevoco.py's `cleanup_userdata`: the L3 network is gone; its chains, lighttpd and files go.
    func cleanupUserdata(_ request: FlatUserdataRequests.Cleanup) async throws {
        let chain = FlatNames.userdataChain(bridge: request.bridge, l3Uuid: request.l3Uuid)
        for table in ["filter", "nat"] { try await ebtables(FlatEbtables.removal(table: table, [chain])) }
        await lighttpd(request.namespace).stop()
        if namespaces.exists(request.namespace) {
            try await IptablesApplier(runner: runner(in: request.namespace)).apply(Self.dnat(port: nil))
        }
        try Files.removeTree(paths.userdata(request.namespace).directory)
    }

    /// Port 80 (every TCP port, as mevoco.py's `UD-PORT-<port>` chain) of 169.254.169.254 to lighttpd's.
    static func dnat(port: Int?) -> IptablesRuleSet {
        var rules = IptablesRuleSet(table: "nat", ownership: IptablesChainOwnership(prefixes: ["UD-PORT-"]))
        if let port {
            rules.add("UD-PORT-\(port)", "-d \(FlatNames.metadataAddress)/32 -p tcp -j DNAT --to-destination :\(port)")
            rules.jump(from: "PREROUTING", "", to: "UD-PORT-\(port)")
        }
        return rules
    }

    private func writeFiles(_ files: FlatNetworkPaths.Userdata, state: UserdataState, replacing vms: [FlatUserdataVM]) throws {
        try Files.makeDirectories(files.fallback + "/meta-data")
        try Files.writeIfChanged("", to: files.fallback + "/meta-data/index.html")
        let served = Set(state.vms.map(\.ip))
        // A rebuild leaves out VMs that are gone: their directories go with them.
        for name in try Files.directoryEntries(files.html) where IPv4Address(name) != nil && !served.contains(name) {
            try Files.removeTree(files.html + "/" + name)
        }
        for vm in vms {
            // Rewritten whole: a VM whose userdata was dropped must not keep serving the old one.
            try Files.removeTree(files.vm(vm.ip))
            try Files.makeDirectories(files.vm(vm.ip) + "/meta-data")
            for (path, content) in vm.files { try Files.writeIfChanged(content, to: files.vm(vm.ip) + "/" + path) }
        }
        try Files.writeIfChanged(Self.encode(state), to: files.state)
    }

    /// The namespace's redirect chains (in the host) and DNAT (inside it).
    private func redirect(_ namespace: String, id: Int, state: UserdataState) async throws {
        let networks = Array(Set(state.vms.map(\.network))).sorted()
        let mac = try await namespaces.innerMAC(namespace, id: id)
        func rules(_ scoped: Bool) -> (filter: IptablesRuleSet, nat: IptablesRuleSet) {
            FlatEbtables.userdata(chain: FlatNames.userdataChain(bridge: state.bridge, l3Uuid: state.l3Uuid),
                                  bridge: state.bridge, uplink: FlatNames.uplink(ofBridge: state.bridge),
                                  networks: networks, innerMAC: mac, bridgeScoped: scoped)
        }
        try await ebtables(rules(bridgeScopedRedirects).filter)
        do {
            try await ebtables(rules(bridgeScopedRedirects).nat)
        } catch where bridgeScopedRedirects && "\(error)".contains("Operation not supported") {
            logger.warning("this kernel refuses ebtables --logical-in (no CONFIG_NFT_BRIDGE_META): metadata redirects apply on every bridge")
            bridgeScopedRedirects = false
            try await ebtables(rules(false).nat)
        }
        try await IptablesApplier(runner: runner(in: namespace)).apply(Self.dnat(port: state.port))
    }

    /// Writes lighttpd's configuration and (re)starts it when it changed or is not running.
    private func serveUserdata(_ namespace: String, _ state: UserdataState) async throws {
        let files = paths.userdata(namespace)
        let conf = FlatLighttpdConf.render(paths: files, port: state.port, vms: state.vms.map(\.ip))
        let changed = try Files.writeIfChanged(conf, to: files.conf)
        let daemon = lighttpd(namespace)
        guard namespaces.exists(namespace) else { return }
        if changed || daemon.pid == nil { try await daemon.restart() }
    }
}
