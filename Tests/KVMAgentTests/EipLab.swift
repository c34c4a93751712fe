import AgentWire
import Foundation
import TestSupport

/// A KVM host for the flat-network EIP tests, made of namespaces the test creates and always deletes
/// (with every EIP namespace the agent made for it):
///
///     public eth0 10.79.0.2/24 ── <tag>pub (bridge) ┐                     ┌ <tag>pri (bridge) ── vnic79.0 ── guest eth0
///                                                   host: the agent's networkNamespace          192.168.79.10/24 (nicMac)
///
/// The agent makes `<tag>pub_10_79_0_100` (deip.py's name) and joins it to both bridges.
struct EipLab: Sendable {
    static let vip = "10.79.0.100"
    static let publicAddress = "10.79.0.2"
    static let nicIp = "192.168.79.10"
    static let nicMac = "fa:79:5c:1e:7b:09"
    static let nicName = "vnic79.0"
    static let eipUuid = "5e0c7a1f9b2d4c3e8f6a0b1c2d3e4f50"
    static let vipUuid = "8a2b3c4d5e6f40718293a4b5c6d7e8f9"
    static let vmUuid = "c3d4e5f60718493aa1b2c3d4e5f60718"

    let host: NetworkNamespace
    let publicSide: NetworkNamespace
    let guest: NetworkNamespace
    let publicBridge: String
    let privateBridge: String
    /// The lab's VIP: `EipLab.vip` unless a test needs one no other lab has (vipqos finds namespaces by VIP).
    let vip: String

    /// The namespace deip.py names for this lab's EIP.
    var eipNamespace: NetworkNamespace {
        NetworkNamespace(name: "\(publicBridge)_" + vip.replacingOccurrences(of: ".", with: "_"))
    }
    /// The EIP's veth ends: `_eo`/`_o` in the host, `_ei`/`_i` in the EIP namespace.
    static let tag = String(eipUuid.suffix(9))

    /// Runs `body` with a fresh lab whose bridges are `fei<tag>pub` and `fei<tag>pri`; `tag` keeps tests
    /// that run at once apart, since EIP namespace names are global.
    static func with<T>(tag: String, vip: String = EipLab.vip, _ body: (EipLab) async throws -> T) async throws -> T {
        try await NetworkNamespace.with(prefix: "fei\(tag)-", roles: ["h", "p", "g"]) { namespaces in
            let lab = EipLab(host: namespaces[0], publicSide: namespaces[1], guest: namespaces[2],
                             publicBridge: "fei\(tag)pub", privateBridge: "fei\(tag)pri", vip: vip)
            await lab.removeEipNamespaces()
            return try await withCleanUp {
                try await lab.build()
                return try await body(lab)
            } cleanUp: {
                await lab.removeEipNamespaces()
            }
        }
    }

    private func build() async throws {
        for bridge in [publicBridge, privateBridge] {
            try await host.ip(["link", "add", bridge, "type", "bridge", "forward_delay", "0", "stp_state", "0"])
            try await host.ip(["link", "set", bridge, "up"])
        }
        try await host.ip(["link", "add", "pubport", "type", "veth", "peer", "name", "eth0", "netns", publicSide.name])
        try await host.ip(["link", "set", "pubport", "master", publicBridge, "up"])
        try await publicSide.ip(["addr", "add", "\(Self.publicAddress)/24", "dev", "eth0"])
        try await publicSide.ip(["link", "set", "eth0", "up"])
        // The VM's tap, as libvirt would plug it into its bridge; the guest end carries the NIC's MAC.
        try await host.ip(["link", "add", Self.nicName, "type", "veth", "peer", "name", "eth0",
                           "address", Self.nicMac, "netns", guest.name])
        try await host.ip(["link", "set", Self.nicName, "master", privateBridge, "up"])
        try await guest.ip(["addr", "add", "\(Self.nicIp)/24", "dev", "eth0"])
        try await guest.ip(["link", "set", "eth0", "up"])
        try await guest.ip(["route", "add", "default", "via", "192.168.79.1"])
    }

    /// The EIP namespaces the agent made for this lab (or a crashed run left).
    func eipNamespaces() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
            .filter { $0.hasPrefix(publicBridge + "_") }
    }

    private func removeEipNamespaces() async {
        for name in eipNamespaces() { await NetworkNamespace(name: name).remove() }
    }

    /// The `/flatnetworkprovider/eip/*` body as FlatEipBackend sends it: `EipTO`'s fields in declaration
    /// order as Gson writes them, `physicalNic` (null for a plain vnic) omitted, the primitives always there.
    func eipTO(vip: String? = nil) -> String {
        Self.eipTO(publicBridge: publicBridge, privateBridge: privateBridge, vip: vip ?? self.vip)
    }

    static func eipTO(publicBridge: String, privateBridge: String, vip: String = EipLab.vip) -> String {
        #"{"eipUuid":"\#(Self.eipUuid)","vipUuid":"\#(Self.vipUuid)","vmUuid":"\#(Self.vmUuid)","nicUuid":"0b1c2d3e4f5061728394a5b6c7d8e9f0","ipVersion":4,"vip":"\#(vip)","vipNetmask":"255.255.255.0","vipGateway":"10.79.0.1","vipPrefixLen":24,"nicIp":"\#(Self.nicIp)","nicMac":"\#(Self.nicMac)","nicGateway":"192.168.79.1","nicNetmask":"255.255.255.0","nicPrefixLen":24,"nicName":"\#(Self.nicName)","vmBridgeName":"\#(privateBridge)","publicBridgeName":"\#(publicBridge)","skipArpCheck":false,"addfdb":false}"#
    }

    /// Every rule line of a namespace's tables, without iptables-save's timestamps and counters.
    static func rules(in namespace: NetworkNamespace) async throws -> [String] {
        try await namespace.check(["iptables-save"]).split(separator: "\n")
            .filter { $0.hasPrefix("-") || $0.hasPrefix(":") || $0.hasPrefix("*") }
            .map { $0.hasPrefix(":") ? String($0.split(separator: " ").prefix(2).joined(separator: " ")) : String($0) }
    }

    /// The host's bridge-level nat rules, as `ebtables-save` lists them, without its comments.
    func ebtablesRules() async throws -> [String] {
        try await host.check(["ebtables-save", "-t", "nat"]).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    /// The host's links, by name, as `ip -br link` lists them.
    func hostLinks() async throws -> Set<String> {
        Set(try await host.check(["ip", "-br", "link"]).split(separator: "\n").compactMap {
            $0.split(separator: " ").first.map { String($0.split(separator: "@").first ?? $0) }
        })
    }
}
