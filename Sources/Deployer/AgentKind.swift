import AgentWire

/// The agents the deployer installs, one playbook each. Ports and echo paths come from AgentWire's agent
/// namespaces, which the agents serve from; Packaging/agents repeats them for the shell packager, and
/// PackagingTests checks that it agrees (the deployer must not read the source tree: it runs where only
/// packages are).
public enum AgentKind: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    case kvm
    case sftpbackupstorage
    case virtualrouter

    /// The short agent name used in tarball names and ZStack's `pkg_<name>` variables.
    public var agentName: String {
        switch self {
        case .kvm: "kvmagent"
        case .sftpbackupstorage: "sftpbackupstorage"
        case .virtualrouter: "virtualrouter"
        }
    }

    public var executable: String { "zstack-\(agentName)" }
    public var playbook: String { "\(rawValue).yaml" }
    /// ZStack's extra-var naming the tarball (`pkg_kvmagent`).
    public var packageVariable: String { "pkg_\(agentName)" }

    public var defaultPort: Int {
        switch self {
        case .kvm: KVM.defaultPort
        case .sftpbackupstorage: SftpBackupStorage.defaultPort
        case .virtualrouter: VR.defaultPort
        }
    }

    /// The path the management node polls after a deployment until the agent answers.
    public var echoPath: String {
        switch self {
        case .kvm: KVM.echoPath
        case .sftpbackupstorage: SftpBackupStorage.echoPath
        case .virtualrouter: VR.echoPath
        }
    }

    public var description: String { rawValue }
}
