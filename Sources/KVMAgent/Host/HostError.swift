/// A host command the agent refuses or cannot complete, in words the MN shows to the operator.
public struct HostError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
