import CLibssh2
import Glibc

extension SessionHandle {
    /// Bytes per SFTP read or write call. libssh2 1.10 pipelines requests within one call (reads keep up to
    /// 4x the buffer in flight, capped at 8 MiB), so a large buffer is what makes transfers fast.
    private static let chunkSize = 2 << 20

    /// Streams a remote file into a local one; see `SSHSession.download`.
    func download(
        remote: String, local: String, resume: Bool, permissions: UInt32?, cancellation: CancellationFlag,
        progress: @Sendable (TransferProgress) -> Void
    ) throws(SSHError) -> TransferResult {
        try withRemoteFile(
            remote, flags: Int32(LIBSSH2_FXF_READ), permissions: 0, deadline: .never, cancellation: cancellation
        ) { handle throws(SSHError) -> TransferResult in
            var attributes = LIBSSH2_SFTP_ATTRIBUTES()
            try sftpRetry("stat \(remote)", deadline: .never, cancellation: cancellation) {
                libssh2_sftp_fstat_ex(handle, &attributes, 0)
            }
            guard let reported = SFTPFileAttributes(attributes).size else {
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
            libssh2_sftp_seek64(handle, UInt64(start))
            var done = start
            let buffer = Self.allocateChunk()
            defer { buffer.deallocate() }
            while done < size {
                try checkCancelled(cancellation, "downloading \(remote)")
                let count = try sftpRetry("reading \(remote)", deadline: .never, cancellation: cancellation) {
                    libssh2_sftp_read(handle, buffer.baseAddress, buffer.count)
                }
                try file.write(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[..<count])), at: done)
                guard count > 0 else {
                    throw SSHError(.sftp, "\(remote) ended at \(done) of \(size) bytes (changed during download?)")
                }
                done += Int64(count)
                progress(TransferProgress(bytesDone: done, totalBytes: size))
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
        let flags = LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | (resume ? 0 : LIBSSH2_FXF_TRUNC)
        let result = try withRemoteFile(
            remote, flags: Int32(flags), permissions: permissions ?? 0o644, deadline: .never,
            cancellation: cancellation
        ) { handle throws(SSHError) -> TransferResult in
            if let permissions {
                // The server applies its umask on create; setting the mode afterwards makes it exact.
                var attributes = LIBSSH2_SFTP_ATTRIBUTES()
                attributes.flags = UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS)
                attributes.permissions = UInt(permissions)
                try sftpRetry("setting the mode of \(remote)", deadline: .never, cancellation: cancellation) {
                    libssh2_sftp_fstat_ex(handle, &attributes, 1)
                }
            }
            libssh2_sftp_seek64(handle, UInt64(start))
            var done = start
            let buffer = Self.allocateChunk()
            defer { buffer.deallocate() }
            while done < size {
                try checkCancelled(cancellation, "uploading \(local)")
                let count = try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: done)
                guard count > 0 else {
                    throw SSHError(.localFile, "\(local) ended at \(done) of \(size) bytes (changed during upload?)")
                }
                var sent = 0
                while sent < count {
                    sent += try sftpRetry("writing \(remote)", deadline: .never, cancellation: cancellation) {
                        libssh2_sftp_write(handle, buffer.baseAddress! + sent, count - sent)
                    }
                }
                done += Int64(count)
                progress(TransferProgress(bytesDone: done, totalBytes: size))
            }
            return TransferResult(totalBytes: size, resumedFrom: start)
        }
        try file.close()
        return result
    }

    private static func allocateChunk() -> UnsafeMutableBufferPointer<CChar> {
        UnsafeMutableBufferPointer<CChar>.allocate(capacity: chunkSize)
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
