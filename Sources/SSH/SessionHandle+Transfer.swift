import Glibc

extension SessionHandle {
    /// Bytes per SFTP read or write request: what every SFTP server accepts (the draft asks for 32 KiB at
    /// least; OpenSSH takes up to 255 KiB).
    static let requestSize = 64 << 10
    /// Requests kept in flight: 2 MiB outstanding is what makes a transfer fast over a link with latency.
    private static let requestsInFlight = 32
    /// Progress is reported about this often, not per request.
    private static let progressInterval: Int64 = 2 << 20

    /// Streams a remote file into a local one; see `SSHSession.download`.
    ///
    /// Replies are used strictly in file order, so the local file only ever holds a contiguous prefix of the
    /// remote one (which is what `resume` relies on after a cut).
    func download(
        remote: String, local: String, resume: Bool, permissions: UInt32?, cancellation: CancellationFlag,
        progress: @Sendable (TransferProgress) -> Void
    ) throws(SSHError) -> TransferResult {
        try withRemoteFile(
            remote, flags: SFTPPacket.openRead, permissions: 0, deadline: .never, cancellation: cancellation
        ) { sftp, handle throws(SSHError) -> TransferResult in
            let attributes = try sftp.call(
                .fstat, what: "stat \(remote)", deadline: .never, cancellation: cancellation
            ) { $0.string(handle) }.attributes()
            guard let reported = attributes.size else {
                throw SSHError(.sftp, "the server did not report the size of \(remote)")
            }
            let size = try Self.fileSize(reported, of: remote)
            // Only now that the remote file is known to be readable may an existing local file be truncated.
            let file = try LocalFile(
                path: local, flags: O_WRONLY | O_CREAT | (resume ? 0 : O_TRUNC), permissions: permissions)
            let start = resume ? try file.size() : 0
            guard start <= size else {
                throw SSHError(
                    .invalidArgument,
                    "cannot resume \(local): it has \(start) bytes but \(remote) only \(size); it is not a "
                        + "partial copy of that file, remove it or download without resume")
            }
            var inFlight: [(id: UInt32, offset: Int64, length: Int)] = []
            defer { sftp.abandon(inFlight.map(\.id)) }
            func ask(_ offset: Int64, _ length: Int) throws(SSHError) -> (id: UInt32, offset: Int64, length: Int) {
                let id = try sftp.request(
                    .read, what: "reading \(remote)", deadline: .never, cancellation: cancellation
                ) {
                    $0.string(handle)
                    $0.u64(UInt64(offset))
                    $0.u32(UInt32(length))
                }
                return (id, offset, length)
            }
            var asked = start
            var done = start
            var lastReport = start
            while done < size {
                try checkCancelled(cancellation, "downloading \(remote)")
                while inFlight.count < Self.requestsInFlight && asked < size {
                    let length = Int(min(Int64(Self.requestSize), size - asked))
                    inFlight.append(try ask(asked, length))
                    asked += Int64(length)
                }
                let next = inFlight[0]
                let reply = try sftp.reply(
                    to: next.id, what: "reading \(remote)", deadline: .never, cancellation: cancellation)
                inFlight.removeFirst()
                guard let data = try reply.data(), !data.isEmpty else {
                    throw SSHError(.sftp, "\(remote) ended at \(done) of \(size) bytes (changed during download?)")
                }
                guard data.count <= next.length else {
                    throw SSHError(.sftp, "the server sent \(data.count) bytes of \(remote) for \(next.length) asked")
                }
                try file.write(data, at: done)
                done += Int64(data.count)
                if data.count < next.length {
                    // A short read: the rest of this piece comes before anything already asked for.
                    inFlight.insert(try ask(done, next.length - data.count), at: 0)
                }
                if done - lastReport >= Self.progressInterval || done == size {
                    lastReport = done
                    progress(TransferProgress(bytesDone: done, totalBytes: size))
                }
            }
            try file.close()
            return TransferResult(totalBytes: size, resumedFrom: start)
        }
    }

    /// Streams a local file to a remote one; see `SSHSession.upload`.
    func upload(
        local: String, remote: String, resume: Bool, permissions: UInt32?, cancellation: CancellationFlag,
        progress: @Sendable (TransferProgress) -> Void
    ) throws(SSHError) -> TransferResult {
        let file = try LocalFile(path: local, flags: O_RDONLY, permissions: nil)
        let size = try file.size()
        var start: Int64 = 0
        if resume {
            do {
                start = try Self.fileSize(try stat(remote, deadline: .never, cancellation: cancellation).size ?? 0, of: remote)
            } catch where error.isNoSuchFile {
                start = 0
            }
            guard start <= size else {
                throw SSHError(
                    .invalidArgument,
                    "cannot resume \(remote): it has \(start) bytes but \(local) only \(size); it is not a "
                        + "partial copy of that file, remove it or upload without resume")
            }
        }
        let flags = SFTPPacket.openWrite | SFTPPacket.openCreate | (resume ? 0 : SFTPPacket.openTruncate)
        let result = try withRemoteFile(
            remote, flags: flags, permissions: permissions ?? 0o644, deadline: .never, cancellation: cancellation
        ) { sftp, handle throws(SSHError) -> TransferResult in
            if let permissions {
                // The server applies its umask on create; setting the mode afterwards makes it exact.
                try sftp.call(
                    .fsetstat, what: "setting the mode of \(remote)", deadline: .never, cancellation: cancellation
                ) {
                    $0.string(handle)
                    $0.attributes(permissions: permissions)
                }.ok()
            }
            var inFlight: [(id: UInt32, end: Int64)] = []
            defer { sftp.abandon(inFlight.map(\.id)) }
            var buffer = [UInt8](repeating: 0, count: Self.requestSize)
            var sent = start
            var done = start
            var lastReport = start
            while done < size {
                try checkCancelled(cancellation, "uploading \(local)")
                while inFlight.count < Self.requestsInFlight && sent < size {
                    let count = try file.read(into: &buffer, at: sent)
                    guard count > 0 else {
                        throw SSHError(
                            .localFile, "\(local) ended at \(sent) of \(size) bytes (changed during upload?)")
                    }
                    let offset = sent
                    let id = try sftp.request(
                        .write, what: "writing \(remote)", deadline: .never, cancellation: cancellation
                    ) {
                        $0.string(handle)
                        $0.u64(UInt64(offset))
                        $0.string(buffer[..<count])
                    }
                    sent += Int64(count)
                    inFlight.append((id, sent))
                }
                try sftp.reply(
                    to: inFlight[0].id, what: "writing \(remote)", deadline: .never, cancellation: cancellation
                ).ok()
                done = inFlight.removeFirst().end
                if done - lastReport >= Self.progressInterval || done == size {
                    lastReport = done
                    progress(TransferProgress(bytesDone: done, totalBytes: size))
                }
            }
            return TransferResult(totalBytes: size, resumedFrom: start)
        }
        try file.close()
        return result
    }

    /// Data can keep flowing without any wait, so long loops also look at the flag between chunks.
    private func checkCancelled(_ cancellation: CancellationFlag, _ what: String) throws(SSHError) {
        if cancellation.isCancelled { throw SSHError(.cancelled, "cancelled while \(what)") }
    }

    /// A size the server reported, as a file offset. A hostile or broken server may claim 2^64 - 1 bytes:
    /// refused, not trapped on.
    static func fileSize(_ reported: UInt64, of remote: String) throws(SSHError) -> Int64 {
        guard let size = Int64(exactly: reported) else {
            throw SSHError(.sftp, "the server reports \(reported) bytes for \(remote), more than a file can hold")
        }
        return size
    }
}
