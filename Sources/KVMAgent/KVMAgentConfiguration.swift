import AgentServer
import AgentWire

/// Everything the KVM agent needs to start. The executable fills it from flags; tests build it directly.
public struct KVMAgentConfiguration: Sendable {
    public var server: AgentServerConfiguration
    /// Runs the bridge commands' `ip` inside this network namespace (`ip -n`); nil is the host's own.
    /// Tests give the agent a namespace of its own this way.
    public var networkNamespace: String?
    /// Directories `/localstorage/init` may place a local storage in; empty allows any absolute path.
    public var localStorageRoots: [String]

    public init(
        server: AgentServerConfiguration = .init(port: AgentPort.kvm),
        networkNamespace: String? = nil,
        localStorageRoots: [String] = []
    ) {
        self.server = server
        self.networkNamespace = networkNamespace
        self.localStorageRoots = localStorageRoots
    }
}
