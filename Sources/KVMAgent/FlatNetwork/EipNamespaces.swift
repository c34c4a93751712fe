import HostSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Makes and removes EIP namespaces as deip.py does: a namespace per VIP joined to the public bridge and to
/// the VM's bridge by veth pairs, the VIP on the public end, the VM NIC's gateway on the private end, the
/// NIC's MAC pinned as a permanent neighbour, ARP kept apart on the VM's bridge by ebtables rules in the host
/// (`EipEbtables`), and DNAT/SNAT between VIP and NIC address in the namespace's iptables (`EipRules`). Rules
/// are applied per table with `*-restore --noflush`, so rules someone else added stay. Every step checks what is there first: applying twice changes
/// nothing, deleting what is gone succeeds.
struct EipNamespaces: Sendable {
    let runner: ProcessRunner
    /// Where the bridges are (`KVMAgentConfiguration.networkNamespace`); nil is the host's own.
    let hostNamespace: String?
    /// Where `ip netns add` keeps namespaces: read directly, since `ip netns list` can stall behind the
    /// kernel's cleanup of other namespaces.
    static let namespaceDirectory = "/run/netns"

    func apply(_ plan: EipPlan) async throws {
        let host = IPLink(runner: runner, namespace: hostNamespace)
        let links = try await host.links()
        for (bridge, field) in [(plan.publicBridge, "publicBridgeName"), (plan.privateBridge, "vmBridgeName")]
        where links[bridge]?.isBridge != true {
            // Checked before the namespace is made: a command naming a bridge this host lacks leaves nothing.
            throw KVMAgentError(.network, "cannot apply EIP \(plan.vip): \(field) \(bridge) is not a bridge on this host")
        }
        let created = try await ensureNamespace(plan.names.namespace)
        do {
            try await build(plan, host: host, hostLinks: links, newNamespace: created)
        } catch {
            // A namespace this command made is not left half-built; one that was there stays for the MN's retry.
            if created { try? await remove(plan.identity, host: host) }
            throw error
        }
    }

    func delete(_ identity: EipIdentity) async throws {
        try await remove(identity, host: IPLink(runner: runner, namespace: hostNamespace))
    }

    /// The namespaces on this host whose names end as an EIP's for `vip` does (vipqos.py's look-up).
    func namespaces(endingWith suffix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.namespaceDirectory)) ?? []
        return names.filter { $0.hasSuffix("_" + suffix) }.sorted()
    }

    private func build(_ plan: EipPlan, host: IPLink, hostLinks: [String: IPLink.Link], newNamespace: Bool) async throws {
        let names = plan.names
        let inside = IPLink(runner: runner, namespace: names.namespace)
        let innerLinks = try await inside.links()
        for (outer, inner, bridge) in [(names.publicOuter, names.publicInner, plan.publicBridge),
                                       (names.privateOuter, names.privateInner, plan.privateBridge)] {
            if innerLinks[inner] == nil {
                // An outer end without its inner one is an orphan of a namespace deleted behind our back.
                if hostLinks[outer] != nil { try await host.delete(outer) }
                try await host.addVeth(outer, peer: inner)
                for end in [outer, inner] {
                    try await host.setAlias(end, plan.linkAlias)
                    try await host.setMTU(end, Self.vethMTU)
                }
                try await host.moveToNamespace(inner, names.namespace)
            }
            if hostLinks[outer]?.master != bridge || innerLinks[inner] == nil {
                try await host.setMaster(outer, bridge: bridge)
            }
            try await host.setUp(outer)
        }
        let namespaced = ProcessRunner(defaultTimeout: .seconds(60), networkNamespace: names.namespace)
        let ipv6 = plan.isIPv6
        try await inside.setUp(names.publicInner)
        if !ipv6 && newNamespace && !plan.skipArpCheck {
            try await refuseDuplicate(plan, runner: namespaced)
        }
        try await inside.setOnlyAddress("\(plan.vip)/\(plan.vipPrefix)", device: names.publicInner, ipv6: ipv6)
        try await inside.setOnlyAddress("\(plan.nicGateway)/\(plan.nicPrefix)", device: names.privateInner, ipv6: ipv6)
        try await inside.setUp(names.privateInner)
        if !ipv6 {
            // deip.py pins the VM's MAC so the namespace never ARPs for it on the VM's network.
            try await inside.setNeighbor("\(plan.nicIp)", mac: plan.nicMac, device: names.privateInner)
        }
        guard let gatewayMAC = try await inside.links()[names.privateInner]?.address else {
            throw KVMAgentError(.network, "cannot find the device \(names.privateInner) in the namespace \(names.namespace)")
        }
        if let nic = plan.identity.fdbNic {
            try await hostRunner.run("bridge", ["fdb", "replace", gatewayMAC, "dev", nic])
        }
        try await ebtables.apply(EipEbtables.rules(plan, gatewayMAC: gatewayMAC))
        if !ipv6 {
            // Tell the public network where the VIP now is (deip.py's "ping VIP gateway"); best effort, as there.
            _ = try? await namespaced.execute("arping", ["-q", "-A", "-w", "2", "-c", "3", "-I", names.publicInner, "\(plan.vip)"])
        }
        // deip.py counts on the host's ip_forward, which a new namespace inherits from the initial one only
        // (it sets IPv6 forwarding itself); the namespace exists to forward, so it says so itself.
        try await namespaced.run("sysctl", ["-qw", ipv6 ? "net.ipv6.conf.all.forwarding=1" : "net.ipv4.ip_forward=1"])
        let iptables = IptablesApplier(runner: namespaced, frontend: ipv6 ? .ip6tables : .iptables)
        try await iptables.apply(EipRules.filter(plan))
        try await iptables.apply(EipRules.nat(plan))
        try await inside.setDefaultRoute(via: "\(plan.vipGateway)", ipv6: ipv6)
    }

    /// deip.py's duplicate-address probe on a new namespace: someone else answering for the VIP on the
    /// public network means the EIP would steal its traffic.
    private func refuseDuplicate(_ plan: EipPlan, runner namespaced: ProcessRunner) async throws {
        let probe = try await namespaced.execute("arping", ["-D", "-w", "1", "-c", "3", "-I", plan.names.publicInner, "\(plan.vip)"])
        let output = probe.output.text
        if probe.status != .exited(0), output.contains("Unicast reply from") {
            throw KVMAgentError(.network, "there is a duplicated public IP \(plan.vip) on the public network: \(output)")
        }
    }

    /// Deleting the outer ends first takes their peers out of the namespace at once; `ip netns delete`
    /// alone leaves the kernel to tear the devices down later.
    private func remove(_ identity: EipIdentity, host: IPLink) async throws {
        let names = identity.names
        try await ebtables.apply(EipEbtables.none(names, nicName: identity.nicName))
        if let nic = identity.fdbNic, let mac = try? await IPLink(runner: runner, namespace: names.namespace)
            .links()[names.privateInner]?.address {
            let entries = try await hostRunner.run("bridge", ["fdb", "show", "dev", nic]).text
            if entries.split(separator: "\n").contains(where: { $0.hasPrefix(mac + " ") }) {
                try await hostRunner.run("bridge", ["fdb", "del", mac, "dev", nic])
            }
        }
        let links = try await host.links()
        for outer in [names.publicOuter, names.privateOuter] where links[outer] != nil {
            try await host.delete(outer)
        }
        if FileManager.default.fileExists(atPath: Self.namespaceDirectory + "/" + names.namespace) {
            try await runner.run("ip", ["netns", "delete", names.namespace])
        }
    }

    /// Runs host tools that have no `-n` of their own (`bridge`, `ebtables`) where the bridges are.
    private var hostRunner: ProcessRunner { ProcessRunner(defaultTimeout: .seconds(60), networkNamespace: hostNamespace) }

    /// The host's bridge-level rules (`EipEbtables`).
    private var ebtables: IptablesApplier { IptablesApplier(runner: hostRunner, frontend: .ebtables) }

    /// How a namespace is made when it is missing; true when this call made it.
    private func ensureNamespace(_ name: String) async throws -> Bool {
        guard !FileManager.default.fileExists(atPath: Self.namespaceDirectory + "/" + name) else { return false }
        // From this process's own context, never inside `ip netns exec` (which unshares the mount
        // namespace, so the new one would not be seen by anyone else).
        try await runner.run("ip", ["netns", "add", name])
        try await runner.run("ip", ["-n", name, "link", "set", "lo", "up"])
        return true
    }

    /// linux.MAX_MTU_OF_VNIC: the veth never limits what the bridges carry.
    static let vethMTU = 65500
}
