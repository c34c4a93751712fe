import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// The virtual router: holds the desired state and makes the machine match it, one command at a time.
///
/// Each command is validated and resolved completely, rendered, and applied; the new state is kept only
/// when applying succeeded, so a failed command leaves the previous rules in force. Commands run one
/// after another (an actor alone would interleave them at every `await`).
public actor VirtualRouter {
    public struct Configuration: Sendable {
        public var paths: RouterPaths
        /// Runs every tool; one with a `networkNamespace` for a router inside a network namespace.
        public var runner: ProcessRunner
        /// The NIC that gets no `<nic>-in` chain (ZStack: `eth0`).
        public var managementNIC: String
        /// `user=` for dnsmasq; nil keeps dnsmasq's default (`nobody`/`dnsmasq`).
        public var dnsmasqUser: String?
        /// `user`/`group` in haproxy configs; nil keeps the caller's account.
        public var haproxyUser: String?
        public var dnsmasqReload: DnsmasqReload

        public init(paths: RouterPaths = .production, runner: ProcessRunner = ProcessRunner(defaultTimeout: .seconds(60)),
                    managementNIC: String = "eth0", dnsmasqUser: String? = nil, haproxyUser: String? = "haproxy",
                    dnsmasqReload: DnsmasqReload = .restart) {
            self.paths = paths
            self.runner = runner
            self.managementNIC = managementNIC
            self.dnsmasqUser = dnsmasqUser
            self.haproxyUser = haproxyUser
            self.dnsmasqReload = dnsmasqReload
        }
    }

    public let configuration: Configuration
    public private(set) var state = RouterState()
    /// The uuid `/init` gave; nil after a restart until the MN calls `/init` again.
    public private(set) var uuid: String?
    private var dnsmasq: DnsmasqService
    private var commands = SerialTasks()

    private var link: LinkConfigurator { LinkConfigurator(runner: configuration.runner) }
    private var iptables: IptablesApplier { IptablesApplier(runner: configuration.runner) }
    private var haproxy: HaproxyService {
        HaproxyService(runner: configuration.runner, paths: configuration.paths, user: configuration.haproxyUser)
    }

    public init(configuration: Configuration) {
        self.configuration = configuration
        dnsmasq = DnsmasqService(runner: configuration.runner, paths: configuration.paths, reload: configuration.dnsmasqReload)
    }

    // MARK: - Commands

    public func initialize(_ cmd: VR.InitCommand) {
        uuid = cmd.uuid
        if let count = cmd.restartDnsmasqAfterNumberOfSIGUSER1, count > 0 { dnsmasq.restartAfterSignals = count }
    }

    public func configureNICs(_ cmd: VR.ConfigureNicCmd) async throws {
        try await serialized { router in
            let resolver = CommandResolver(interfaces: try await router.link.interfaces())
            let nics = try (cmd.nics ?? []).enumerated().map { i, nic in try resolver.nic(nic, field: "nics[\(i)]") }
            for nic in nics { try await router.link.configure(nic) }
            try await router.changeRules { state, _ in
                for nic in nics where nic.name != router.configuration.managementNIC { state.guardedNICs.insert(nic.name) }
            }
        }
    }

    public func setSNAT(_ cmd: VR.SetSNATCmd) async throws {
        try await rules { s, r in try s.setSNATs(cmd.snat.map { [("snat", $0)] } ?? [], resolver: r, replacing: false) }
    }
    public func removeSNAT(_ cmd: VR.RemoveSNATCmd) async throws {
        try await rules { s, _ in try s.removeSNATs(cmd.natInfo ?? []) }
    }
    public func syncSNAT(_ cmd: VR.SyncSNATCmd) async throws {
        try await rules { s, r in try s.setSNATs(RouterState.indexed(cmd.snats, "snats"), resolver: r, replacing: true) }
    }
    public func createEIP(_ cmd: VR.CreateEipCmd) async throws {
        try await rules { s, r in try s.setEIPs(cmd.eip.map { [("eip", $0)] } ?? [], resolver: r, replacing: false) }
    }
    public func removeEIP(_ cmd: VR.RemoveEipCmd) async throws {
        try await rules { s, _ in if let eip = cmd.eip { try s.removeEIP(eip) } }
    }
    public func syncEIPs(_ cmd: VR.SyncEipCmd) async throws {
        try await rules { s, r in try s.setEIPs(RouterState.indexed(cmd.eips, "eips"), resolver: r, replacing: true) }
    }
    public func createPortForwardings(_ cmd: VR.CreatePortForwardingRuleCmd) async throws {
        try await rules { s, r in try s.setPortForwards(cmd.rules ?? [], resolver: r, replacing: false) }
    }
    public func revokePortForwardings(_ cmd: VR.RevokePortForwardingRuleCmd) async throws {
        try await rules { s, _ in try s.revokePortForwards(cmd.rules ?? []) }
    }
    public func syncPortForwardings(_ cmd: VR.SyncPortForwardingRuleCmd) async throws {
        try await rules { s, r in try s.setPortForwards(cmd.rules ?? [], resolver: r, replacing: true) }
    }

    public func createVIPs(_ cmd: VR.CreateVipCmd) async throws {
        try await serialized { router in
            let table = try await router.link.interfaces()
            let vips = try (cmd.vips ?? []).enumerated().map { i, vip in
                (ip: try Validate.ipv4(vip.ip, "vips[\(i)].ip"),
                 prefix: try Validate.netmask(vip.netmask, "vips[\(i)].netmask"),
                 nic: try table.interface(mac: try Validate.mac(vip.ownerEthernetMac, "vips[\(i)].ownerEthernetMac"),
                                          field: "vips[\(i)].ownerEthernetMac").name)
            }
            for vip in vips { try await router.link.addAddress(vip.ip, prefixLength: vip.prefix, nic: vip.nic) }
        }
    }

    public func removeVIPs(_ cmd: VR.RemoveVipCmd) async throws {
        try await serialized { router in
            let table = try await router.link.interfaces()
            let ips = try (cmd.vips ?? []).enumerated().map { i, vip in try Validate.ipv4(vip.ip, "vips[\(i)].ip") }
            for ip in ips { try await router.link.removeAddress(ip, from: table) }
        }
    }

    public func addDHCP(_ cmd: VR.AddDhcpEntryCmd) async throws {
        try await dnsmasqChange { s in try s.addDHCP(cmd.dhcpEntries ?? [], rebuild: cmd.rebuild ?? false) }
    }

    public func removeDHCP(_ cmd: VR.RemoveDhcpEntryCmd) async throws {
        try await serialized { router in
            var next = router.state
            let removed = try next.removeDHCP(cmd.dhcpEntries ?? [])
            // Released while dnsmasq still serves the entry: once the last entry of a network is gone,
            // its dhcp-range goes too and dnsmasq would ignore the release.
            try await router.releaseLeases(removed)
            try await router.applyDnsmasq(next)
        }
    }

    public func setDNS(_ cmd: VR.SetDnsCmd) async throws {
        try await dnsmasqChange { s in try s.setDNS(cmd.dns ?? []) }
    }
    public func removeDNS(_ cmd: VR.RemoveDnsCmd) async throws {
        try await dnsmasqChange { s in try s.removeDNS(cmd.dns ?? []) }
    }

    /// `/lb/refresh`: a listener without backends is removed, as in ZStack.
    public func refreshLBs(_ cmd: VR.RefreshLbCmd) async throws {
        try await serialized { router in
            let listeners = try (cmd.lbs ?? []).enumerated().map { i, lb in
                try CommandResolver.listener(lb, field: "lbs[\(i)]")
            }
            try await router.changeRules { state, _ in
                for l in listeners { state.listeners[l.name] = l.backends.isEmpty ? nil : l }
            }
            for l in listeners {
                if l.backends.isEmpty { try await router.haproxy.delete(l.name) } else { try await router.haproxy.refresh(l) }
            }
        }
    }

    public func deleteLBs(_ cmd: VR.DeleteLbCmd) async throws {
        try await serialized { router in
            let names = try (cmd.lbs ?? []).enumerated().map { i, lb in
                "\(try Validate.identifier(lb.lbUuid, "lbs[\(i)].lbUuid"))-\(try Validate.identifier(lb.listenerUuid, "lbs[\(i)].listenerUuid"))"
            }
            try await router.changeRules { state, _ in for name in names { state.listeners[name] = nil } }
            for name in names { try await router.haproxy.delete(name) }
        }
    }

    /// Stops the daemons this router started (dnsmasq and the haproxy listeners).
    public func shutdown() async {
        await dnsmasq.stop()
        for name in state.listeners.keys { try? await haproxy.delete(name) }
    }

    /// dnsmasq's pid while it runs.
    public var dnsmasqPid: Int32? { dnsmasq.pid }

    // MARK: - Applying

    private func rules(_ edit: @escaping @Sendable (inout RouterState, CommandResolver) throws -> Void) async throws {
        try await serialized { router in try await router.changeRules(edit) }
    }

    private func changeRules(_ edit: (inout RouterState, CommandResolver) throws -> Void) async throws {
        var next = state
        try edit(&next, CommandResolver(interfaces: try await link.interfaces()))
        try await iptables.apply(IptablesRenderer.render(next), previous: IptablesRenderer.render(state))
        state = next
    }

    private func dnsmasqChange(_ edit: @escaping @Sendable (inout RouterState) throws -> Void) async throws {
        try await serialized { router in
            var next = router.state
            try edit(&next)
            try await router.applyDnsmasq(next)
        }
    }

    private func applyDnsmasq(_ next: RouterState) async throws {
        // Commands are serialized, so working on a copy of the service loses no concurrent update.
        var service = dnsmasq
        defer { dnsmasq = service }
        try await service.apply(DnsmasqFiles(state: next, paths: configuration.paths, user: configuration.dnsmasqUser))
        state = next
    }

    /// `dhcp_release` (dnsmasq-utils) tells dnsmasq to forget a lease; without it the lease simply
    /// expires, as the entry no longer exists.
    private func releaseLeases(_ hosts: [DHCPHost]) async throws {
        guard ["/usr/bin/dhcp_release", "/usr/sbin/dhcp_release"].contains(where: FileManager.default.fileExists) else { return }
        let table = try await link.interfaces()
        for host in hosts {
            guard let nic = table.interfaces.first(where: { nic in
                nic.addresses.contains { $0.ip.network(prefixLength: $0.prefixLength) == host.ip.network(prefixLength: $0.prefixLength) }
            }) else { continue }
            _ = try await configuration.runner.execute("dhcp_release", [nic.name, "\(host.ip)", host.mac])
        }
    }

    /// Runs `body` after every earlier command has finished.
    private func serialized(_ body: @escaping @Sendable (isolated VirtualRouter) async throws -> Void) async throws {
        try await commands.enqueue { try await body(self) }.value
    }
}
