import AgentServer
import HostSystem
import AgentWire

/// Load-balancer listeners (haproxy).
struct LoadBalancerRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async(VR.Path.refreshLb) { (c: VR.RefreshLbCmd, _) in try await router.refreshLBs(c); return VR.EmptyRsp() }
        registry.async(VR.Path.deleteLb) { (c: VR.DeleteLbCmd, _) in try await router.deleteLBs(c); return VR.EmptyRsp() }
    }
}
