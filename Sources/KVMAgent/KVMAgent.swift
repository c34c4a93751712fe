import AgentServer
import Logging

/// Builds the KVM agent's command server; the `zstack-kvmagent` executable and the tests both call this.
public func buildKVMAgent(_ configuration: KVMAgentConfiguration, logger: Logger) -> AgentServer {
    let identity = HostIdentity()
    return AgentServer(
        configuration: configuration.server,
        routes: [HostRoutes(identity: identity)],
        logger: logger)
}
