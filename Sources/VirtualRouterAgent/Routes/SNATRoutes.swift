import AgentServer
import HostSystem
import AgentWire

/// Source NAT of private networks.
struct SNATRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async("/setsnat") { (c: VR.SetSNATCmd, _) in try await router.setSNAT(c); return VR.EmptyRsp() }
        registry.async("/removesnat") { (c: VR.RemoveSNATCmd, _) in try await router.removeSNAT(c); return VR.EmptyRsp() }
        registry.async("/syncsnat") { (c: VR.SyncSNATCmd, _) in try await router.syncSNAT(c); return VR.EmptyRsp() }
    }
}
