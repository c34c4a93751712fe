import AgentServer
import HostSystem
import AgentWire

/// Load-balancer listeners (haproxy).
struct LoadBalancerRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async("/lb/refresh") { (c: VR.RefreshLbCmd, _) in try await router.refreshLBs(c); return VR.EmptyRsp() }
        registry.async("/lb/delete") { (c: VR.DeleteLbCmd, _) in try await router.deleteLBs(c); return VR.EmptyRsp() }
    }
}
