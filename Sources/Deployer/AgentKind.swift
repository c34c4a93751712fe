/// The agents the deployer installs, one playbook each. The facts mirror Packaging/agents (name, port,
/// playbook, echo path): the deployer must not read the source tree, it runs where only packages are.
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
        case .kvm: 7070
        case .sftpbackupstorage: 7171
        case .virtualrouter: 7272
        }
    }

    /// The path the management node polls after a deployment until the agent answers.
    public var echoPath: String {
        switch self {
        case .kvm: "/host/echo"
        case .sftpbackupstorage: "/sftpbackupstorage/echo"
        case .virtualrouter: "/echo"
        }
    }

    public var description: String { rawValue }
}
