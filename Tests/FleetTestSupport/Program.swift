import Foundation

/// What a finished program left behind.
public struct ProgramResult: Sendable {
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

/// Runs programs from argv arrays (never through a shell) and waits for them.
public enum Program {
    /// Runs `argv[0]` (looked up in PATH) with the rest of `argv` as its arguments.
    /// Output goes to files, not pipes: an init script leaves a daemon behind, and a daemon that
    /// inherited a pipe would keep the read end from ever seeing end-of-file.
    public static func run(_ argv: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> ProgramResult {
        precondition(!argv.isEmpty, "argv must name a program")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("program-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil)
        else { throw ProgramError(description: "cannot create output files in \(scratch.path)") }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw ProgramError(description: "cannot run \(argv[0]): \(error)")
        }
        process.waitUntilExit()
        return ProgramResult(
            status: process.terminationStatus,
            output: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            errorOutput: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        )
    }

    /// Like `run`, but a non-zero exit is an error carrying the program's output.
    @discardableResult
    public static func check(_ argv: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> ProgramResult {
        let result = try run(argv, environment: environment, in: directory)
        guard result.status == 0 else {
            throw ProgramError(description: "\(argv.joined(separator: " ")) failed: \(result.transcript)")
        }
        return result
    }
}
