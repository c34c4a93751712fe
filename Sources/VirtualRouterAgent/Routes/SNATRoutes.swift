import AgentServer
import HostSystem
import AgentWire

/// Source NAT of private networks.
struct SNATRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async(VR.Path.setSNAT) { (c: VR.SetSNATCmd, _) in try await router.setSNAT(c); return VR.EmptyRsp() }
        registry.async(VR.Path.removeSNAT) { (c: VR.RemoveSNATCmd, _) in try await router.removeSNAT(c); return VR.EmptyRsp() }
        registry.async(VR.Path.syncSNAT) { (c: VR.SyncSNATCmd, _) in try await router.syncSNAT(c); return VR.EmptyRsp() }
    }
}
