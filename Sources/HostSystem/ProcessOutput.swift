/// What a program that exited successfully wrote.
public struct ProcessOutput: Sendable, Equatable {
    public let standardOutput: [UInt8]
    public let standardError: [UInt8]

    public init(standardOutput: [UInt8], standardError: [UInt8]) {
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Standard output decoded as UTF-8 (invalid bytes replaced).
    public var text: String { String(decoding: standardOutput, as: UTF8.self) }
}
