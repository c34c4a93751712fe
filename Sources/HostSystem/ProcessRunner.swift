import Subprocess

#if canImport(Glibc)
import Glibc
#endif

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
    /// Every program runs inside this network namespace (`ip netns exec NAME program ...`): a router agent
    /// under test works on its namespace's links and firewall; nil is the host's own.
    public var networkNamespace: String?

    public init(outputLimit: Int = 16 << 20, defaultTimeout: Duration? = .seconds(600), networkNamespace: String? = nil) {
        self.outputLimit = outputLimit
        self.defaultTimeout = defaultTimeout
        self.networkNamespace = networkNamespace
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
        let configuration = configuration(executable, arguments, environment: environment, workingDirectory: workingDirectory)
        let limit = timeout ?? defaultTimeout
        let result: ExecutionResult<Void, BytesOutput, BytesOutput>
        do {
            result = try await ProcessSlots.shared.withSlot { [outputLimit] in
                // The child is killed on cancellation; waiting for that means it is reaped when this returns.
                try await withTimeLimit(limit, overrun: .awaitCancellation) {
                    try await Subprocess.run(configuration, input: .array(input ?? []),
                                             output: .bytes(limit: outputLimit), error: .bytes(limit: outputLimit))
                }
            }
        } catch let error as SubprocessError {
            throw ProcessError(argv: argv, reason: error.code == .outputLimitExceeded
                ? .outputTooLarge(limit: outputLimit) : .launchFailed(error.description))
        } catch let error as TimeLimitExceeded {
            throw ProcessError(argv: argv, reason: .timedOut(error.limit))
        }
        let output = ProcessOutput(standardOutput: result.standardOutput, standardError: result.standardError)
        return ProcessExit(argv: argv, status: ProcessExit.Status(result.terminationStatus), output: output)
    }

    /// Starts a program that puts itself in the background (`dnsmasq`, `haproxy -D`) and waits for its
    /// foreground process to exit. The daemon keeps the streams it inherited open, so they go to `logFile`
    /// (appended, created 0640) instead of pipes a capture would wait on forever; a failed start's error
    /// ends with the last lines of that file, which is where such programs say why.
    /// - Throws: `ProcessError` when the program cannot start, exits non-zero or runs past `timeout`.
    public func startDaemon(_ executable: String, _ arguments: [String], logFile: String,
                            timeout: Duration = .seconds(30)) async throws {
        let argv = [executable] + arguments
        let descriptor = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw ProcessError(argv: argv, reason: .launchFailed("cannot open its log \(logFile): \(String(cString: strerror(errno)))"))
        }
        let startOffset = lseek(descriptor, 0, SEEK_END)
        let log = FileDescriptor(rawValue: descriptor)
        let configuration = configuration(executable, arguments, environment: [:], workingDirectory: nil)
        let status: TerminationStatus
        do {
            status = try await ProcessSlots.shared.withSlot {
                try await withTimeLimit(timeout, overrun: .awaitCancellation) {
                    try await Subprocess.run(configuration, input: .none,
                                             output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                                             error: .fileDescriptor(log, closeAfterSpawningProcess: false)).terminationStatus
                }
            }
            try? log.close()
        } catch {
            try? log.close()
            if let error = error as? TimeLimitExceeded { throw ProcessError(argv: argv, reason: .timedOut(error.limit)) }
            throw ProcessError(argv: argv, reason: .launchFailed("\(error)"))
        }
        let said = ((try? Files.read(logFile)) ?? []).dropFirst(max(0, Int(startOffset)))
        switch ProcessExit.Status(status) {
        case .exited(0): return
        case .exited(let code):
            throw ProcessError(argv: argv, reason: .exited(code), standardError: Array(said), logFile: logFile)
        case .signalled(let signal):
            throw ProcessError(argv: argv, reason: .signalled(signal), standardError: Array(said), logFile: logFile)
        }
    }

    private func configuration(_ executable: String, _ arguments: [String], environment: [String: String?],
                               workingDirectory: String?) -> Configuration {
        // In a namespace, `ip` looks the program up and execs it there (`ip netns exec` needs root).
        let (program, argv) = networkNamespace.map { ("ip", ["netns", "exec", $0, executable] + arguments) }
            ?? (executable, arguments)
        return Configuration(
            executable: program.contains("/") ? .path(FilePath(program)) : .name(program),
            arguments: Arguments(argv),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map {
                (Environment.Key(stringLiteral: $0.key), $0.value)
            })),
            workingDirectory: workingDirectory.map { FilePath($0) })
    }
}

extension ProcessExit.Status {
    init(_ status: TerminationStatus) {
        switch status {
        case .exited(let code): self = .exited(code)
        case .signaled(let signal): self = .signalled(signal)
        }
    }
}
