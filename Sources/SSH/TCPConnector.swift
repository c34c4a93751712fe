import Glibc

/// Opens the TCP connection under an SSH session, with a real connect timeout (a blocking `connect()` would
/// wait for the kernel's SYN retries, minutes on a blackholed host).
enum TCPConnector {
    /// Resolves `host` and tries each address until one accepts, all within `deadline`.
    /// - Returns: a connected, non-blocking socket owned by the caller.
    /// - Throws: `.unreachable` (name not resolved, refused, no route), `.timeout`, or `.cancelled`.
    static func connect(host: String, port: Int, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError) -> Int32
    {
        guard (1...65535).contains(port) else { throw SSHError(.invalidArgument, "port \(port) is out of range") }
        guard !host.isEmpty, !host.utf8.contains(0) else {
            throw SSHError(.invalidArgument, "host name \(host.debugDescription) is empty or contains NUL")
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw SSHError(
                .unreachable, "cannot resolve host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }

        var lastError = SSHError(.unreachable, "no address found for \(host)")
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let address = entry?.pointee {
            do {
                return try connect(address, label: "\(host):\(port)", deadline: deadline, cancellation: cancellation)
            } catch where error.code == .unreachable {
                lastError = error
            }
            entry = address.ai_next
        }
        throw lastError
    }

    private static func connect(_ address: addrinfo, label: String, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError) -> Int32
    {
        let fd = socket(address.ai_family, address.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
        guard fd >= 0 else { throw SSHError(.unreachable, "cannot create a socket for \(label)", errno: errno) }
        var keep = false
        defer { if !keep { close(fd) } }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                throw SSHError(.unreachable, "cannot connect to \(label)", errno: errno)
            }
            try SocketWaiter.wait(
                fd: fd, events: Int16(POLLOUT), deadline: deadline, cancellation: cancellation,
                what: "connecting to \(label)")
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else { throw SSHError(.unreachable, "cannot connect to \(label)", errno: soError) }
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        keep = true
        return fd
    }
}
