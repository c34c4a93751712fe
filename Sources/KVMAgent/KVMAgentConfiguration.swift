import AgentServer
import AgentWire

/// Everything the KVM agent needs to start. The executable fills it from flags; tests build it directly.
public struct KVMAgentConfiguration: Sendable {
    public var server: AgentServerConfiguration

    public init(server: AgentServerConfiguration = .init(port: AgentPort.kvm)) {
        self.server = server
    }
}
