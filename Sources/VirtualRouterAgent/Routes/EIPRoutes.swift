import AgentServer
import HostSystem
import AgentWire

/// Elastic IPs: a VIP mapped one-to-one to a guest.
struct EIPRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async("/createeip") { (c: VR.CreateEipCmd, _) in try await router.createEIP(c); return VR.EmptyRsp() }
        registry.async("/removeeip") { (c: VR.RemoveEipCmd, _) in try await router.removeEIP(c); return VR.EmptyRsp() }
        registry.async("/synceip") { (c: VR.SyncEipCmd, _) in try await router.syncEIPs(c); return VR.EmptyRsp() }
    }
}
