#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import Synchronization

/// Runs a host program from an argv array (never a shell), off the cooperative pool, and captures its
/// output. Used for the few facts only a program tells (`qemu-img --version`) and for iptables.
struct HostProgram {
    struct Failure: Error, CustomStringConvertible {
        let argv: [String]
        let status: Int32
        let stderr: String

        var description: String {
            "\(argv.joined(separator: " ")) exited with status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
    }

    /// Runs `argv` (the first element is looked up on PATH) and returns its standard output.
    /// - Throws: `Failure` when it cannot start or exits non-zero, with its standard error.
    static func run(_ argv: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            // Process.waitUntilExit blocks a thread; keep it off the cooperative pool.
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(argv) })
            }
        }
    }

    private static func runBlocking(_ argv: [String]) throws -> String {
        guard let name = argv.first, let executable = locate(name) else {
            throw Failure(argv: argv, status: 127, stderr: "\(argv.first ?? "") not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(argv: argv, status: 126, stderr: "\(error)")
        }
        // Standard error is drained on its own thread while standard output is read here, so a program
        // filling either pipe can never block before exiting.
        let stderrData = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            stderrData.withLock { $0 = data }
            drained.signal()
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        let stderr = stderrData.withLock { $0 }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(argv: argv, status: process.terminationStatus, stderr: String(decoding: stderr, as: UTF8.self))
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    private static func locate(_ name: String) -> String? {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
