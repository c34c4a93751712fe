import AgentServer
import HostSystem
import AgentWire

/// NIC addresses and VIPs.
struct NICRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async("/configurenic") { (c: VR.ConfigureNicCmd, _) in try await router.configureNICs(c); return VR.EmptyRsp() }
        registry.async("/createvip") { (c: VR.CreateVipCmd, _) in try await router.createVIPs(c); return VR.EmptyRsp() }
        registry.async("/removevip") { (c: VR.RemoveVipCmd, _) in try await router.removeVIPs(c); return VR.EmptyRsp() }
    }
}
