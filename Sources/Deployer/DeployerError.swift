/// A failure of the deployer as a whole (bad input, bad packages, a store problem), as opposed to one host's
/// failure, which is recorded on that host and does not stop the others.
public struct DeployerError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// The caller asked for something malformed or impossible (bad address, unknown host...).
        case invalidInput
        /// No such host or run.
        case notFound
        /// A package, playbook or extension failed validation; nothing was deployed.
        case badPackages
        /// Another run holds what this one needs.
        case busy
        /// The local environment is broken (ansible missing, key generation failed, store unreadable).
        case environment
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
