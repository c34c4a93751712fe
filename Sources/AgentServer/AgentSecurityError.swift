/// A security setting of the agent that cannot be honoured: a token or certificate file missing, unreadable
/// or too open, a malformed allow-list entry. The agent refuses to start with this message rather than run
/// with less protection than it was told to have.
public struct AgentSecurityError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
