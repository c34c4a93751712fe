/// A program that did not run to a zero exit status, told in words a person can act on: the command line
/// (quoted so it can be pasted into a shell), what happened, and the end of its standard error.
public struct ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// It never started (not found, not executable, bad working directory...).
        case launchFailed(String)
        case exited(Int32)
        case signalled(Int32)
        case timedOut(Duration)
        case outputTooLarge(limit: Int)
    }

    /// Only this much of standard error is kept: the end is where programs put the reason they failed.
    static let standardErrorTailLimit = 2048

    public let argv: [String]
    public let reason: Reason
    /// The last `standardErrorTailLimit` bytes of standard error (or of `logFile`), trimmed, decoded as UTF-8.
    public let standardErrorTail: String
    /// Where the program's output went when it was not captured (a daemon's start).
    public let logFile: String?

    public init(argv: [String], reason: Reason, standardError: [UInt8] = [], logFile: String? = nil) {
        self.argv = argv
        self.reason = reason
        self.logFile = logFile
        let tail = String(decoding: standardError.suffix(Self.standardErrorTailLimit), as: UTF8.self)
        self.standardErrorTail = tail.trimmingWhitespace()
    }

    /// The argv as one shell-quoted line, for messages only: nothing ever runs it through a shell.
    public var commandLine: String { argv.map(ShellQuoting.quote).joined(separator: " ") }

    /// The exit status when the program exited non-zero.
    public var exitStatus: Int32? {
        if case .exited(let status) = reason { status } else { nil }
    }

    public var description: String {
        let what = switch reason {
        case .launchFailed(let why): "could not be started: \(why)"
        case .exited(let status): "exited with status \(status)"
        case .signalled(let signal): "was killed by signal \(signal)"
        case .timedOut(let limit): "did not finish within \(limit) and was killed"
        case .outputTooLarge(let limit): "wrote more than \(limit) bytes of output and was killed"
        }
        let log = logFile.map { " (its output is in \($0))" } ?? ""
        return standardErrorTail.isEmpty ? "`\(commandLine)` \(what)\(log)" : "`\(commandLine)` \(what)\(log): \(standardErrorTail)"
    }
}

