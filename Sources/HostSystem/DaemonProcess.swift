#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finding, signalling and stopping a daemon through its pid file.
public enum DaemonProcess {
    /// The pid in `pidFile` when that process is alive and runs `command` (guards against a stale pid
    /// file naming an unrelated, reused pid).
    public static func running(pidFile: String, command: String) -> pid_t? {
        guard let text = try? Files.readText(pidFile),
              let pid = pid_t(text.trimmingWhitespace()), pid > 0,
              let comm = try? Files.readText("/proc/\(pid)/comm"),
              comm.trimmingWhitespace() == command, isAlive(pid)
        else { return nil }
        return pid
    }

    /// Alive and not a zombie: a daemon's parent is init, which may be slow (or, in a container, fail)
    /// to reap it, and `kill(pid, 0)` succeeds on a zombie.
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? Files.readText("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }

    /// Whether the process has installed a handler for `signal`: before that, the signal's default
    /// action applies, and for SIGHUP that ends the process (`SigCgt` in /proc/<pid>/status).
    public static func catches(_ pid: pid_t, signal: Int32) -> Bool {
        guard let status = try? Files.readText("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
              let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingWhitespace(), radix: 16)
        else { return false }
        return mask & (1 << UInt64(signal - 1)) != 0
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    public static func wait(for timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// SIGTERM, then waits for the process to go (SIGKILL after 5 s).
    public static func stop(_ pid: pid_t) async {
        kill(pid, SIGTERM)
        if await !wait(for: .seconds(5), { !isAlive(pid) }) {
            kill(pid, SIGKILL)
            _ = await wait(for: .seconds(2)) { !isAlive(pid) }
        }
    }
}
