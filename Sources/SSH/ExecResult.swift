/// What a remote command produced.
public struct ExecResult: Sendable, Hashable {
    /// The exit status the server reported; `nil` if it reported none (e.g. killed by a signal).
    public let exitStatus: Int32?
    /// The signal that ended the command (`"KILL"`, `"TERM"`...), if it died from one.
    public let exitSignal: String?
    /// Standard output bytes (at most `maxOutputBytes`).
    public let stdout: [UInt8]
    /// Standard error bytes (at most `maxOutputBytes`).
    public let stderr: [UInt8]
    /// True when either stream produced more than `maxOutputBytes` and the rest was dropped.
    public let truncated: Bool

    /// Builds a result (the module builds these; public for callers that fake or cache results).
    public init(exitStatus: Int32?, exitSignal: String?, stdout: [UInt8], stderr: [UInt8], truncated: Bool) {
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.stdout = stdout
        self.stderr = stderr
        self.truncated = truncated
    }

    /// Stdout as UTF-8 text (invalid bytes become U+FFFD).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Stderr as UTF-8 text (invalid bytes become U+FFFD).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    /// True when the command exited with status 0.
    public var succeeded: Bool { exitStatus == 0 }
}
