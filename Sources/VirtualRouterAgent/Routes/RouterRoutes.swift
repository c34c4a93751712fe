import AgentServer
import HostSystem
import AgentWire

/// The MN's handshake with the router: `/echo` (sync, empty body), `/init` and `/ping` (async).
struct RouterRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.echo(VR.Path.echo)
        registry.async(VR.Path.initialize, initialize)
        registry.async(VR.Path.ping, ping)
    }

    private func initialize(_ command: VR.InitCommand, _ context: CommandContext) async throws -> VR.InitRsp {
        await router.initialize(command)
        return VR.InitRsp()
    }

    /// The uuid `/init` gave, or none after a restart: how the MN notices it must re-initialise.
    private func ping(_ command: VR.PingCmd, _ context: CommandContext) async throws -> VR.PingRsp {
        VR.PingRsp(uuid: await router.uuid)
    }
}
