#if canImport(Glibc)
import Glibc
#endif

/// Exec to the first answered `POST /host/echo`: spawns the program, polls its port every 0.5 ms with a
/// fresh blocking connection and an echo, and stops the program (SIGTERM, then SIGKILL after 1 s: how it
/// shuts down is not measured, and CherryPy takes seconds to).
enum StartupTimer {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Milliseconds from `posix_spawn` to the first 200, or a failure after `timeout` seconds.
    static func measure(_ arguments: [String], target: URLTarget, timeout: Double) throws -> Double {
        let start = Measurements.now()
        let pid = try spawn(arguments)
        defer { stop(pid) }
        let deadline = start + UInt64(timeout * 1e9)
        while Measurements.now() < deadline {
            if echoAnswered(target) { return Double(Measurements.now() - start) / 1e6 }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw Failure(description: "\(arguments[0]) exited with status \(status) before answering") }
            usleep(500)
        }
        throw Failure(description: "\(arguments[0]) did not answer \(target.path) within \(timeout) s")
    }

    private static func spawn(_ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The program's own output would interleave with the bench's.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        guard result == 0 else { throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(result)))") }
        return pid
    }

    private static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// One connection, one echo: true when the reply's status line says 200.
    private static func echoAnswered(_ target: URLTarget) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(target.port).bigEndian)
        guard inet_pton(AF_INET, target.host, &address.sin_addr) == 1 else { return false }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = "POST \(target.path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\n"
            + "Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        guard Array(request.utf8).withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.utf8.count else {
            return false
        }
        var reply = [UInt8](repeating: 0, count: 64)
        var received = 0
        while received < 12 {
            let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            guard count > 0 else { return false }
            received += count
        }
        return reply[9..<12] == Array("200".utf8)[...]
    }
}
