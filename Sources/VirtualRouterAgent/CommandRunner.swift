import Subprocess

/// Runs programs from argv arrays (never through a shell), optionally inside a network namespace.
///
/// `prefix` is put before every argv: `["ip", "netns", "exec", "<ns>"]` runs the agent's tools in a
/// test namespace; production uses an empty prefix. Values are safe to share between tasks.
public struct CommandRunner: Sendable {
    public struct Result: Sendable {
        public var status: TerminationStatus
        public var stdout: String
        public var stderr: String
        public var succeeded: Bool { status.isSuccess }
    }

    public var prefix: [String]

    public init(prefix: [String] = []) { self.prefix = prefix }

    /// A runner whose commands run inside the named network namespace.
    public static func inNamespace(_ name: String) -> CommandRunner {
        CommandRunner(prefix: ["ip", "netns", "exec", name])
    }

    /// Runs to completion and captures output; a non-zero exit is a result, not an error.
    public func run(_ argv: [String], input: String? = nil) async throws -> Result {
        let full = prefix + argv
        let limit = 16 << 20
        let executable = Executable.name(full[0])
        let arguments = Arguments(Array(full.dropFirst()))
        if let input {
            let r = try await Subprocess.run(executable, arguments: arguments, input: .string(input),
                                             output: .string(limit: limit), error: .string(limit: limit))
            return Result(status: r.terminationStatus, stdout: r.standardOutput ?? "", stderr: r.standardError ?? "")
        }
        let r = try await Subprocess.run(executable, arguments: arguments,
                                         output: .string(limit: limit), error: .string(limit: limit))
        return Result(status: r.terminationStatus, stdout: r.standardOutput ?? "", stderr: r.standardError ?? "")
    }

    /// Runs and returns stdout; a non-zero exit throws `RouterError.toolFailed` carrying stderr.
    @discardableResult
    public func check(_ argv: [String], input: String? = nil) async throws -> String {
        let result = try await run(argv, input: input)
        guard result.succeeded else {
            throw RouterError.toolFailed(argv: argv, status: "\(result.status)", stderr: result.stderr)
        }
        return result.stdout
    }

    /// Starts a program that daemonizes itself and waits for the foreground process to exit. Its output
    /// is not captured: a daemon keeps inherited pipes open, which would make a capture wait forever.
    public func startDaemon(_ argv: [String]) async throws {
        let full = prefix + argv
        let r = try await Subprocess.run(.name(full[0]), arguments: Arguments(Array(full.dropFirst())),
                                         output: .discarded, error: .discarded)
        guard r.terminationStatus.isSuccess else {
            throw RouterError.toolFailed(argv: argv, status: "\(r.terminationStatus)", stderr: "see its log")
        }
    }
}
