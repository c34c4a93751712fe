import AgentServer
import HostSystem
import AgentWire

/// Port forwarding from a VIP's ports to a guest's.
struct PortForwardingRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async("/createportforwarding") { (c: VR.CreatePortForwardingRuleCmd, _) in
            try await router.createPortForwardings(c); return VR.EmptyRsp()
        }
        registry.async("/revokeportforwarding") { (c: VR.RevokePortForwardingRuleCmd, _) in
            try await router.revokePortForwardings(c); return VR.EmptyRsp()
        }
        registry.async("/syncportforwarding") { (c: VR.SyncPortForwardingRuleCmd, _) in
            try await router.syncPortForwardings(c); return VR.EmptyRsp()
        }
    }
}
