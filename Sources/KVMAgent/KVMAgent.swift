import AgentServer
import HostSystem
import Logging

/// Builds the KVM agent's command server; the `zstack-kvmagent` executable and the tests both call this.
public func buildKVMAgent(_ configuration: KVMAgentConfiguration, logger: Logger) -> AgentServer {
    let identity = HostIdentity()
    let runner = ProcessRunner()
    return AgentServer(
        configuration: configuration.server,
        routes: [
            HostRoutes(identity: identity),
            NetworkRoutes(bridges: Bridges(link: IPLink(runner: runner, namespace: configuration.networkNamespace))),
            LocalStorageRoutes(roots: LocalStorageRoots(allowed: configuration.localStorageRoots),
                               qemuImg: QemuImg(runner: runner), runner: runner),
        ],
        logger: logger)
}
