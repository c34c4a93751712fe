import AgentServer
import HostSystem
import AgentWire
import Logging

/// Everything the virtual-router agent needs to start. The executable fills it from flags; tests build
/// it directly.
public struct VirtualRouterAgentConfiguration: Sendable {
    public var server: AgentServerConfiguration
    public var router: VirtualRouter.Configuration

    public init(server: AgentServerConfiguration = .init(port: AgentPort.virtualRouter),
                router: VirtualRouter.Configuration = .init()) {
        self.server = server
        self.router = router
    }
}

/// Builds the virtual-router agent's command server around `router` (made from the configuration when
/// nil); the `zstack-virtualrouter` executable and the tests both call this.
public func buildVirtualRouterAgent(_ configuration: VirtualRouterAgentConfiguration, router: VirtualRouter? = nil,
                                    logger: Logger) throws -> AgentServer {
    let router = router ?? VirtualRouter(configuration: configuration.router)
    return try AgentServer(
        configuration: configuration.server,
        routes: [
            RouterRoutes(router: router),
            NICRoutes(router: router),
            DHCPRoutes(router: router),
            SNATRoutes(router: router),
            EIPRoutes(router: router),
            PortForwardingRoutes(router: router),
            LoadBalancerRoutes(router: router),
        ],
        logger: logger)
}
