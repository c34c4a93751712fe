/// Why a call to an agent did not produce a reply.
public struct AgentClientError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The agent answered with an unexpected HTTP status (body kept in `message`).
        case httpStatus(Int)
        /// No reply (or callback) within the allowed time.
        case timeout
        /// The reply was not the JSON the caller expected.
        case badReply
        /// The client's own setup failed (a TLS file cannot be loaded).
        case setup
    }

    public let code: Code
    public let message: String

    public var description: String { message }
}
