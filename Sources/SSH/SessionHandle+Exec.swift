import CLibssh

extension SessionHandle {
    /// Runs `command` on a new channel and collects its output; see `SSHSession.exec(command:...)`.
    ///
    /// One loop feeds stdin and drains stdout and stderr in whatever order data arrives: libssh only grows the
    /// channel's window when it is read, so reading one stream to its end before the other could leave the
    /// remote process blocked on a full pipe forever.
    func exec(
        command: String, input: [UInt8], deadline: Deadline, maxOutputBytes: Int, cancellation: CancellationFlag
    ) throws(SSHError) -> ExecResult {
        let what = "running \(Self.summary(of: command))"
        let channel = try Channel(session: self, what: "opening an exec channel")
        try retry("opening an exec channel", code: .channel, deadline: deadline, cancellation: cancellation) {
            ssh_channel_open_session(channel.pointer)
        }
        try retry(what, code: .channel, deadline: deadline, cancellation: cancellation) {
            ssh_channel_request_exec(channel.pointer, command)
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
                        let count = UInt32(min(bytes.count - written, 1 << 20))
                        return ssh_channel_write(channel.pointer, bytes.baseAddress! + written, count)
                    }
                    if rc > 0 { written += Int(rc); progressed = true }
                    if rc < 0 {
                        // A command that exits without reading all its input closes the channel; its exit
                        // status, not the unread input, is the result.
                        guard channel.remoteFinished else {
                            throw error("writing stdin while \(what)", code: .channel)
                        }
                        inputClosed = true
                    }
                }
                if written == input.count && !inputClosed {
                    guard ssh_channel_send_eof(channel.pointer) != SSH_ERROR else {
                        throw error("closing stdin while \(what)", code: .channel)
                    }
                    inputClosed = true
                    progressed = true
                }
            }
            var ended = 0
            for stream in 0..<2 {
                let rc = chunk.withUnsafeMutableBytes {
                    ssh_channel_read_nonblocking(channel.pointer, $0.baseAddress, UInt32($0.count), Int32(stream))
                }
                if rc > 0 { streams[stream].append(chunk[..<Int(rc)]); progressed = true }
                if rc == SSH_EOF { ended += 1 }
                if rc == SSH_ERROR { throw error(what, code: .channel) }
            }
            if progressed { continue }
            if ended == 2 { break }
            try waitForSocket(what, deadline: deadline, cancellation: cancellation, idleLimit: nil)
        }

        // The exit status or signal may follow the end of the output: until one of them (or the close) is in,
        // ssh_channel_get_exit_status processes what has arrived without blocking.
        while true {
            let status = ssh_channel_get_exit_status(channel.pointer)
            if status >= 0 || channel.exitSignal != nil || ssh_channel_is_closed(channel.pointer) != 0 { break }
            if ssh_is_connected(session) == 0 { throw error(what, code: .channel) }
            try waitForSocket(what, deadline: deadline, cancellation: cancellation, idleLimit: nil)
        }
        let signal = channel.exitSignal
        let status = ssh_channel_get_exit_status(channel.pointer)
        return ExecResult(
            exitStatus: signal == nil && status >= 0 ? status : nil, exitSignal: signal,
            stdout: streams[0].bytes, stderr: streams[1].bytes,
            truncated: streams[0].truncated || streams[1].truncated)
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
