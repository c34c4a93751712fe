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

/// How a program ended and what it wrote, whatever its exit status.
public struct ProcessExit: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    public let argv: [String]
    public let status: Status
    public let output: ProcessOutput

    public init(argv: [String], status: Status, output: ProcessOutput) {
        self.argv = argv
        self.status = status
        self.output = output
    }

    /// The exit status, or nil when a signal ended the program.
    public var exitStatus: Int32? {
        if case .exited(let code) = status { code } else { nil }
    }
}
