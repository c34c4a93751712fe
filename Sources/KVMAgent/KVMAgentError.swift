/// Why the KVM agent refused a command or could not complete it, in words the MN shows to the operator.
/// The code says which part of the agent refused (tests and logs match on it, not on the words); the reply's
/// `error` is `description` (AgentServer maps every thrown error to the envelope in one place).
public struct KVMAgentError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        case host
        /// A `StartVmCmd` that cannot become a domain: the field at fault and what it should hold.
        case domainXML
        case vm
        case network
        case localStorage
        /// Snapshots, merges and commits of a volume's image chain.
        case volumeSnapshot
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        code == .domainXML ? "cannot build the domain XML: \(message)" : message
    }
}
