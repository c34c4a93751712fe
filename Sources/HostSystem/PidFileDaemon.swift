#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A daemon that puts itself in the background and names itself in a pid file (dnsmasq with `pid-file=`,
/// lighttpd with `server.pid-file`): started through `ProcessRunner.startDaemon` (so a namespace runner
/// starts it in that namespace, and a failed start quotes its log), found through the pid file, stopped
/// by pid.
public struct PidFileDaemon: Sendable {
    public let runner: ProcessRunner
    public let executable: String
    public let arguments: [String]
    public let pidFile: String
    /// What the daemon's own output goes to while it starts.
    public let startLog: String

    public init(runner: ProcessRunner, executable: String, arguments: [String], pidFile: String, startLog: String) {
        self.runner = runner
        self.executable = executable
        self.arguments = arguments
        self.pidFile = pidFile
        self.startLog = startLog
    }

    /// The kernel's name of the process (`/proc/<pid>/comm`: the program's file name, cut to 15 bytes).
    var command: String {
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        return String(decoding: Array(name.utf8.prefix(15)), as: UTF8.self)
    }

    /// The running daemon's pid, nil when none runs.
    public var pid: pid_t? { DaemonProcess.running(pidFile: pidFile, command: command) }

    /// Starts the daemon (stopping a running one first) and waits until its pid file names it.
    /// - Throws: `ProcessError` when it does not start; `DaemonNotRunning` when it started but no live
    ///   process is named by its pid file 5 s later.
    @discardableResult
    public func restart() async throws -> pid_t {
        await stop()
        try await runner.startDaemon(executable, arguments, logFile: startLog)
        var found: pid_t?
        _ = await DaemonProcess.wait(for: .seconds(5)) {
            found = pid
            return found != nil
        }
        guard let found else { throw DaemonNotRunning(command: command, pidFile: pidFile) }
        return found
    }

    public func stop() async {
        if let pid { await DaemonProcess.stop(pid) }
    }
}

/// A daemon whose pid file names no live process after it was started.
public struct DaemonNotRunning: Error, CustomStringConvertible, Sendable {
    public let command: String
    public let pidFile: String

    public var description: String { "\(command) is not running after its start: no live pid in \(pidFile)" }
}
