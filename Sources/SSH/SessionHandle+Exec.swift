import CLibssh2

extension SessionHandle {
    /// Runs `command` on a new channel and collects its output; see `SSHSession.exec(command:...)`.
    ///
    /// One loop feeds stdin and drains stdout and stderr in whatever order data arrives: libssh2 only grows a
    /// stream's window when that stream is read, so reading one stream to its end before the other could leave
    /// the remote process blocked on a full pipe forever.
    func exec(
        command: String, input: [UInt8], deadline: Deadline, maxOutputBytes: Int, cancellation: CancellationFlag
    ) throws(SSHError) -> ExecResult {
        let what = "running \(Self.summary(of: command))"
        let channel = try retryPointer(
            "opening an exec channel", code: .channel, deadline: deadline, cancellation: cancellation
        ) { zs_libssh2_channel_open_session(session) }
        defer { freeChannel(channel) }
        try retry(what, code: .channel, deadline: deadline, cancellation: cancellation) {
            libssh2_channel_process_startup(channel, "exec", 4, command, UInt32(command.utf8.count))
        }

        var streams = [StreamBuffer(limit: maxOutputBytes), StreamBuffer(limit: maxOutputBytes)]
        var written = 0
        var inputClosed = false
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            var progressed = false
            if !inputClosed {
                if written < input.count {
                    let rc = input.withUnsafeBytes { bytes in
                        bytes.withMemoryRebound(to: CChar.self) {
                            libssh2_channel_write_ex(channel, 0, $0.baseAddress! + written, $0.count - written)
                        }
                    }
                    if rc > 0 { written += rc; progressed = true }
                    try check(rc, what: "writing stdin while \(what)")
                }
                if written == input.count {
                    let rc = libssh2_channel_send_eof(channel)
                    if rc == 0 { inputClosed = true; progressed = true }
                    try check(Int(rc), what: "closing stdin while \(what)")
                }
            }
            for stream in 0..<2 {
                let rc = chunk.withUnsafeMutableBytes { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        libssh2_channel_read_ex(channel, Int32(stream), $0.baseAddress, $0.count)
                    }
                }
                if rc > 0 { streams[stream].append(chunk[..<rc]); progressed = true }
                try check(rc, what: what)
            }
            if progressed { continue }
            if libssh2_channel_eof(channel) != 0 { break }
            try waitForSocket(what, deadline: deadline, cancellation: cancellation, idleLimit: nil)
        }

        try retry(what, code: .channel, deadline: deadline, cancellation: cancellation) {
            libssh2_channel_close(channel)
        }
        try retry(what, code: .channel, deadline: deadline, cancellation: cancellation) {
            libssh2_channel_wait_closed(channel)
        }
        let signal = exitSignal(channel)
        return ExecResult(
            exitStatus: signal == nil ? libssh2_channel_get_exit_status(channel) : nil, exitSignal: signal,
            stdout: streams[0].bytes, stderr: streams[1].bytes,
            truncated: streams[0].truncated || streams[1].truncated)
    }

    /// Throws for a real libssh2 error; EAGAIN and successes pass.
    private func check(_ rc: Int, what: String) throws(SSHError) {
        if rc < 0 && rc != Int(LIBSSH2_ERROR_EAGAIN) { throw error(what, code: .channel, rc: Int32(rc)) }
    }

    private func exitSignal(_ channel: OpaquePointer) -> String? {
        var name: UnsafeMutablePointer<CChar>?
        var length = 0
        guard libssh2_channel_get_exit_signal(channel, &name, &length, nil, nil, nil, nil) == 0, let name else {
            return nil
        }
        defer { libssh2_free(session, name) }
        return length > 0 ? String(cString: name) : nil
    }

    /// Frees a channel, closing it first if needed; bounded so a dead connection cannot hang the caller.
    private func freeChannel(_ channel: OpaquePointer) {
        _ = try? retry("freeing a channel", code: .channel, deadline: .after(.seconds(2)),
                       cancellation: CancellationFlag()) {
            libssh2_channel_free(channel)
        }
    }

    /// The first word of a command, for error messages: enough to say which command failed without putting
    /// its (possibly secret-bearing) arguments into logs.
    static func summary(of command: String) -> String {
        let first = command.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        return "command " + String(first.prefix(64)).debugDescription
    }
}

/// Collects one output stream up to a limit and remembers whether anything was dropped.
private struct StreamBuffer {
    let limit: Int
    var bytes: [UInt8] = []
    var truncated = false

    init(limit: Int) { self.limit = max(0, limit) }

    mutating func append(_ data: ArraySlice<UInt8>) {
        let room = limit - bytes.count
        if data.count > room { truncated = true }
        bytes.append(contentsOf: data.prefix(max(0, room)))
    }
}
