import AgentServer
import HostSystem
import AgentWire

/// NIC addresses and VIPs.
struct NICRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async(VR.Path.configureNic) { (c: VR.ConfigureNicCmd, _) in try await router.configureNICs(c); return VR.EmptyRsp() }
        registry.async(VR.Path.createVip) { (c: VR.CreateVipCmd, _) in try await router.createVIPs(c); return VR.EmptyRsp() }
        registry.async(VR.Path.removeVip) { (c: VR.RemoveVipCmd, _) in try await router.removeVIPs(c); return VR.EmptyRsp() }
    }
}
