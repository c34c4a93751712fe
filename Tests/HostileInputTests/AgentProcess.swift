import AgentClient
import TestSupport
import Foundation

/// An agent executable as SwiftPM built it, run as a child process: a crash kills the agent, not the test
/// runner, and is seen as the process being gone.
///
/// `@unchecked`: the only mutable state is Foundation's `Process`, which is not marked Sendable but whose
/// `isRunning`, `terminationStatus` and `terminate()` lock internally; nothing here mutates it otherwise.
final class AgentProcess: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let name: String
    let port: Int
    let pid: Int32
    let logPath: String
    private let process: Process

    private init(name: String, port: Int, process: Process, logPath: String) {
        self.name = name
        self.port = port
        self.pid = process.processIdentifier
        self.process = process
        self.logPath = logPath
    }

    var client: AgentClient { AgentClient(host: "127.0.0.1", port: port) }

    var isRunning: Bool { process.isRunning }

    /// How the process ended, for a failure message: "signal 11", "exit 2", or "running".
    var ending: String {
        guard !process.isRunning else { return "running" }
        return process.terminationReason == .uncaughtSignal
            ? "killed by signal \(process.terminationStatus)" : "exit \(process.terminationStatus)"
    }

    /// Resident set size in KiB, from /proc/<pid>/status (VmRSS).
    var residentKiB: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// The last lines of the agent's log, for failure messages.
    func logTail(_ lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The executable SwiftPM built next to this test bundle; a clear failure if it was not built.
    static func executable(_ name: String) throws -> String {
        let path = Repository.binaryDirectory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "\(path) is missing: run `swift build --build-tests` first (it builds every executable of the package)")
        }
        return path
    }

    /// Starts `name` with `arguments` plus `--listen 127.0.0.1 --port 0`, learns its port from its log and
    /// waits until `echoPath` answers.
    static func start(
        _ name: String, arguments: [String], echoPath: String, logDirectory: String, workingDirectory: String
    ) async throws -> AgentProcess {
        let process = Process()
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        process.executableURL = URL(fileURLWithPath: try executable(name))
        process.arguments = arguments + ["--listen", "127.0.0.1", "--port", "0"]
        let logPath = logDirectory + "/\(name).log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw Failure(description: "cannot create \(logPath)")
        }
        // A file, not a pipe: nobody drains a pipe while the fuzzer runs, and a full pipe would block the agent.
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw Failure(description: "\(name) exited at start: \(String(describing: try? String(contentsOfFile: logPath, encoding: .utf8)))")
            }
            if let port = Self.listeningPort(inLogAt: logPath) {
                let agent = AgentProcess(name: name, port: port, process: process, logPath: logPath)
                try await agent.client.waitForEcho(echoPath, timeout: .seconds(30), interval: .milliseconds(100))
                return agent
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw Failure(description: "\(name) logged no listening port within 60 s")
    }

    /// The agents log `port=N [...] listening` once bound (`--port 0` picks a free port).
    private static func listeningPort(inLogAt path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let range = text.range(of: #"port=\d+ .*listening"#, options: .regularExpression)
        else { return nil }
        return Int(text[range].dropFirst(5).prefix { $0.isNumber })
    }

    /// SIGTERM, then SIGKILL if the agent has not stopped within 15 s.
    func stop() async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(15)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}
