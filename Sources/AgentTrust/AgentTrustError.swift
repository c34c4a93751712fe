/// The one error type of AgentTrust: a stable code for callers that branch on it, and a message for people.
public struct AgentTrustError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Extensible: a struct, not an enum, so adding a code does not break callers' switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file is missing or could not be read or written.
        public static let file = Code("file")
        /// PEM, DER or a key could not be parsed.
        public static let corrupt = Code("corrupt")
        /// An argument (address, validity, bundle) is not acceptable.
        public static let invalidArgument = Code("invalidArgument")
        /// Building or signing a certificate failed.
        public static let signing = Code("signing")
    }
}
