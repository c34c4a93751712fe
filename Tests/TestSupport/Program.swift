import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// What a finished program left behind.
public struct ProgramResult: Sendable {
    /// The exit status; 128 + the signal number for a program killed by a signal, as a shell reports it.
    public var status: Int32
    public var output: String
    public var errorOutput: String

    /// Both streams, for failure messages.
    public var transcript: String { "exit \(status)\n--- stdout\n\(output)--- stderr\n\(errorOutput)" }
}

/// A program that could not be run, or that failed when it had to succeed.
public struct ProgramError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// Runs the programs tests use to set up and inspect the world (test hosts, init scripts, ip, iptables-save,
/// qemu-img, md5sum...), from argv arrays, never through a shell.
///
/// Async on swift-subprocess: the child is spawned and awaited without holding a thread of Swift's
/// cooperative pool, so a suite waiting for ansible or an init script does not starve the tests beside it.
/// Cancelling the calling task kills the program.
public enum Program {
    /// Runs `argv[0]` (a path, or a name looked up in PATH) with the rest of `argv` as its arguments and
    /// waits for it; a non-zero exit is a result, not an error.
    ///
    /// Output goes to files, not pipes: an init script or `test-host` leaves a daemon behind, and a daemon
    /// that inherited a pipe would keep the read end from ever seeing end-of-file.
    public static func run(_ argv: [String], environment: [String: String] = [:], in directory: URL? = nil) async throws -> ProgramResult {
        precondition(!argv.isEmpty, "argv must name a program")
        let scratch = try TemporaryDirectory("program")
        defer { scratch.remove() }
        let outPath = FilePath(scratch.path + "/out"), errPath = FilePath(scratch.path + "/err")
        let out = try FileDescriptor.open(outPath, .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        let err: FileDescriptor
        do {
            err = try FileDescriptor.open(errPath, .writeOnly, options: [.create, .truncate], permissions: .ownerReadWrite)
        } catch {
            try? out.close()
            throw error
        }
        let status: TerminationStatus
        do {
            status = try await Subprocess.run(
                argv[0].contains("/") ? .path(FilePath(argv[0])) : .name(argv[0]),
                arguments: Arguments(Array(argv.dropFirst())),
                environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map {
                    (Environment.Key(stringLiteral: $0.key), $0.value)
                })),
                workingDirectory: directory.map { FilePath($0.path) },
                input: .none,
                output: .fileDescriptor(out, closeAfterSpawningProcess: true),
                error: .fileDescriptor(err, closeAfterSpawningProcess: true)
            ).terminationStatus
        } catch let error as CancellationError {
            throw error
        } catch {
            throw ProgramError(description: "cannot run \(argv[0]): \(error)")
        }
        let code: Int32 = switch status {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
        return ProgramResult(
            status: code,
            output: (try? String(contentsOfFile: outPath.string, encoding: .utf8)) ?? "",
            errorOutput: (try? String(contentsOfFile: errPath.string, encoding: .utf8)) ?? "")
    }

    /// Like `run`, but a non-zero exit is an error carrying the program's output.
    @discardableResult
    public static func check(_ argv: [String], environment: [String: String] = [:], in directory: URL? = nil) async throws -> ProgramResult {
        let result = try await run(argv, environment: environment, in: directory)
        guard result.status == 0 else {
            throw ProgramError(description: "\(argv.joined(separator: " ")) failed: \(result.transcript)")
        }
        return result
    }

    /// The standard output of a program that has to succeed.
    public static func output(_ argv: [String], environment: [String: String] = [:]) async throws -> String {
        try await check(argv, environment: environment).output
    }

    /// The MD5 of a file, as md5sum prints it.
    public static func md5(of path: String) async throws -> String {
        String(try await output(["md5sum", "--", path]).prefix(while: { $0 != " " }))
    }
}
