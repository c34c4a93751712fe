import Foundation

/// Facts about processes, read from /proc (the tests check the system, not the scripts' word).
public enum Processes {
    /// Whether `pid` runs. A zombie does not; if it is our child (the test process can adopt the
    /// daemons its init scripts leave behind), it is reaped here.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        if state == "Z" {
            waitpid(pid, nil, WNOHANG)
            return false
        }
        return true
    }

    /// Pids whose argv[0] is exactly `path`.
    public static func pids(runningExecutable path: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  let arg0 = data.split(separator: 0).first,
                  String(decoding: arg0, as: UTF8.self) == path
            else { return nil }
            return pid
        }
    }

    /// The file a process runs, as the kernel resolved it when it started.
    public static func executable(of pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    /// The command name the kernel keeps for a process (`/proc/<pid>/comm`).
    public static func command(of pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The pid in `pidFile` if that process lives and is `command` (a stale pidfile may name a reused pid).
    public static func running(pidFile: String, command: String) -> Int32? {
        guard let pid = pid(inFile: URL(fileURLWithPath: pidFile)), isAlive(pid), self.command(of: pid) == command
        else { return nil }
        return pid
    }

    /// The pid in a pidfile.
    public static func pid(inFile url: URL) -> Int32? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
