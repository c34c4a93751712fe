import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs programs with an argv array — never through a shell, so every argument reaches the program
/// literally (`"; rm -rf /"` is one argument, not a command) — and collects their output.
///
/// Built on swift-subprocess without its Foundation trait: it spawns with `posix_spawn`, reads the pipes
/// with async I/O instead of blocking a thread per process, and on cancellation or timeout kills the child
/// (SIGKILL) and reaps it, which Foundation's `Process` leaves to the caller.
///
/// Stateless and `Sendable`: one value can serve any number of concurrent runs; at most 64 programs run at
/// once in the whole process (`ProcessSlots`), each within its time limit.
public struct ProcessRunner: Sendable {
    /// Output beyond this many bytes on either stream fails the run instead of growing without bound.
    public var outputLimit: Int
    /// Applied when a call does not name its own time limit; nil waits as long as the program runs.
    public var defaultTimeout: Duration?

    public init(outputLimit: Int = 16 << 20, defaultTimeout: Duration? = .seconds(600)) {
        self.outputLimit = outputLimit
        self.defaultTimeout = defaultTimeout
    }

    /// Runs `executable` with `arguments` and waits for it to end.
    ///
    /// - Parameters:
    ///   - executable: a path (contains `/`) or a name looked up in `PATH`.
    ///   - arguments: argv after argv[0], passed verbatim.
    ///   - input: bytes written to the program's standard input, then closed; nil gives it no input.
    ///   - environment: variables set (or, with a nil value, removed) on top of this process's environment.
    ///   - workingDirectory: where the program starts; nil keeps the current directory.
    ///   - timeout: the program is killed when it runs longer; nil uses `defaultTimeout`.
    /// - Returns: the captured output of a program that exited with status 0.
    /// - Throws: `ProcessError` when the program cannot start, exits non-zero, is killed by a signal,
    ///   runs past its time limit or writes more than `outputLimit`; `CancellationError` when the calling
    ///   task is cancelled (the program is killed first).
    @discardableResult
    public func run(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8]? = nil,
        environment: [String: String?] = [:],
        workingDirectory: String? = nil,
        timeout: Duration? = nil
    ) async throws -> ProcessOutput {
        let exit = try await execute(executable, arguments, input: input, environment: environment,
                                     workingDirectory: workingDirectory, timeout: timeout)
        switch exit.status {
        case .exited(0):
            return exit.output
        case .exited(let status):
            throw ProcessError(argv: exit.argv, reason: .exited(status), standardError: exit.output.standardError)
        case .signalled(let signal):
            throw ProcessError(argv: exit.argv, reason: .signalled(signal), standardError: exit.output.standardError)
        }
    }

    /// Like `run` (same parameters), but a program that ran to its end is not an error whatever its status:
    /// for programs whose standard output says what went wrong (ansible-playbook reports failed hosts on
    /// stdout, exit 2).
    /// - Throws: `ProcessError` only when the program cannot start, runs past its time limit or writes more
    ///   than `outputLimit`; `CancellationError` when the calling task is cancelled.
    public func execute(
        _ executable: String,
        _ arguments: [String],
        input: [UInt8]? = nil,
        environment: [String: String?] = [:],
        workingDirectory: String? = nil,
        timeout: Duration? = nil
    ) async throws -> ProcessExit {
        let argv = [executable] + arguments
        let configuration = Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
            arguments: Arguments(arguments),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map {
                (Environment.Key(stringLiteral: $0.key), $0.value)
            })),
            workingDirectory: workingDirectory.map { FilePath($0) })
        let limit = timeout ?? defaultTimeout
        let result: ExecutionResult<Void, BytesOutput, BytesOutput>
        do {
            result = try await ProcessSlots.shared.withSlot { [outputLimit] in
                try await Self.withTimeout(limit) {
                    try await Subprocess.run(configuration, input: .array(input ?? []),
                                             output: .bytes(limit: outputLimit), error: .bytes(limit: outputLimit))
                }
            }
        } catch let error as SubprocessError {
            throw ProcessError(argv: argv, reason: error.code == .outputLimitExceeded
                ? .outputTooLarge(limit: outputLimit) : .launchFailed(error.description))
        } catch is TimedOut {
            throw ProcessError(argv: argv, reason: .timedOut(limit ?? .zero))
        }
        let output = ProcessOutput(standardOutput: result.standardOutput, standardError: result.standardError)
        let status: ProcessExit.Status = switch result.terminationStatus {
        case .exited(let code): .exited(code)
        case .signaled(let signal): .signalled(signal)
        }
        return ProcessExit(argv: argv, status: status, output: output)
    }

    private struct TimedOut: Error {}

    /// Races `body` against a timer; the loser is cancelled, and cancelling a run kills its process.
    private static func withTimeout<T: Sendable>(
        _ limit: Duration?,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let limit else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TimedOut() }
            guard let value = first else { throw TimedOut() }
            return value
        }
    }
}
