import HostSystem

/// The names deip.py gives an EIP's pieces, so an operator finds on this host what the Python agent would
/// have made: the namespace `<public bridge>_<vip with '_' for '.'>`, two veth pairs named after the last
/// nine characters of the EIP uuid (`_eo`/`_ei` to the public bridge, `_o`/`_i` to the VM's bridge; the
/// `i` ends live in the namespace) and the NAT chains named after the VIP.
struct EipNames: Sendable, Equatable {
    let namespace: String
    let publicOuter: String
    let publicInner: String
    let privateOuter: String
    let privateInner: String
    let dnatChain: String
    let forwardChain: String
    let snatChain: String

    /// deip.py's per-namespace traffic counters (`collect_vip_statistics` reads them).
    static let perfChain = "vip-perf"
    /// Every chain an EIP namespace's tables hold that is ours, including ones a former VIP left: IPv4
    /// chains are named after the VIP, IPv6 ones (`EIP6-*`) after the EIP.
    static let ownership = IptablesChainOwnership(prefixes: ["DNAT-", "FWD-", "SNAT-", "EIP6-", perfChain])

    init(eipUuid: String, publicBridge: String, vip: EipAddress) {
        namespace = Self.namespace(publicBridge: publicBridge, vip: vip)
        let devices = Self.devices(eipUuid: eipUuid)
        publicOuter = devices.publicOuter
        publicInner = devices.publicInner
        privateOuter = devices.privateOuter
        privateInner = devices.privateInner
        let tag = vip.bits == 32 ? "\(vip)" : String(eipUuid.suffix(9))
        let prefix = vip.bits == 32 ? "" : "EIP6-"
        dnatChain = "\(prefix)DNAT-\(tag)"
        forwardChain = "\(prefix)FWD-\(tag)"
        snatChain = "\(prefix)SNAT-\(tag)"
    }

    static func namespace(publicBridge: String, vip: EipAddress) -> String {
        "\(publicBridge)_\(namespaceSuffix(vip: vip))"
    }

    /// How a namespace name ends for `vip` (deip.py writes '_' for '.'): vipqos.py finds an EIP's namespace by
    /// its VIP alone.
    static func namespaceSuffix(vip: EipAddress) -> String {
        String(vip.description.map { $0 == "." ? "_" : $0 })
    }

    /// The four veth ends of an EIP; vipqos.py derives the inner two from the EIP uuid alone.
    static func devices(eipUuid: String) -> (publicOuter: String, publicInner: String, privateOuter: String, privateInner: String) {
        let tag = String(eipUuid.suffix(9))
        return ("\(tag)_eo", "\(tag)_ei", "\(tag)_o", "\(tag)_i")
    }
}
