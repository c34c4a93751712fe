import CLibssh2

extension SessionHandle {
    /// The SFTP subsystem, started on first use and kept for the session's life.
    func sftpSession(deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) -> OpaquePointer {
        if let sftp { return sftp }
        let started = try retryPointer(
            "starting SFTP (is the sftp subsystem enabled?)", code: .sftp, deadline: deadline,
            cancellation: cancellation
        ) { libssh2_sftp_init(session) }
        sftp = started
        return started
    }

    /// Runs an SFTP call to completion; a failure carries the server's SFTP status.
    @discardableResult
    func sftpRetry<R: BinaryInteger>(
        _ what: String, deadline: Deadline, cancellation: CancellationFlag, _ call: () -> R
    ) throws(SSHError) -> R {
        do {
            return try retry(what, code: .sftp, deadline: deadline, cancellation: cancellation, call)
        } catch {
            throw withSFTPStatus(error)
        }
    }

    /// Adds the SFTP status (and its meaning) to an error from an SFTP call that failed at the protocol level.
    func withSFTPStatus(_ error: SSHError) -> SSHError {
        guard error.libssh2Code == LIBSSH2_ERROR_SFTP_PROTOCOL, let sftp else { return error }
        let status = libssh2_sftp_last_error(sftp)
        let meaning =
            switch status {
            case 2: "no such file"
            case 3: "permission denied"
            case 4: "failure (e.g. directory not empty, already exists)"
            case 11: "file already exists"
            case 14: "no space on the filesystem"
            case 15: "quota exceeded"
            default: "status \(status)"
            }
        return SSHError(
            .sftp, "\(error.message): \(meaning)", libssh2Message: error.libssh2Message,
            libssh2Code: error.libssh2Code, sftpStatus: status)
    }

    /// `stat` (following symlinks).
    func stat(_ path: String, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError)
        -> SFTPFileAttributes
    {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        var attributes = LIBSSH2_SFTP_ATTRIBUTES()
        try sftpRetry("stat \(path)", deadline: deadline, cancellation: cancellation) {
            libssh2_sftp_stat_ex(sftp, path, UInt32(path.utf8.count), LIBSSH2_SFTP_STAT, &attributes)
        }
        return SFTPFileAttributes(attributes)
    }

    func remove(_ path: String, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        try sftpRetry("removing \(path)", deadline: deadline, cancellation: cancellation) {
            libssh2_sftp_unlink_ex(sftp, path, UInt32(path.utf8.count))
        }
    }

    /// Creates `path` and any missing parents; existing directories are fine.
    func makeDirectories(_ path: String, permissions: UInt32, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError)
    {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            let directory = prefix
            if let existing = try? stat(directory, deadline: deadline, cancellation: cancellation) {
                guard existing.isDirectory else {
                    throw SSHError(.sftp, "cannot create directory \(path): \(directory) is not a directory")
                }
                continue
            }
            try sftpRetry("creating directory \(directory)", deadline: deadline, cancellation: cancellation) {
                libssh2_sftp_mkdir_ex(sftp, directory, UInt32(directory.utf8.count), Int(permissions))
            }
        }
    }

    /// Opens a remote file, runs `body` with its handle, and closes it. A failed close is reported only
    /// when `body` succeeded (for writes it can be the first sign of a full disk).
    func withRemoteFile<T>(
        _ path: String, flags: Int32, permissions: UInt32, deadline: Deadline, cancellation: CancellationFlag,
        _ body: (OpaquePointer) throws(SSHError) -> T
    ) throws(SSHError) -> T {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        let handle: OpaquePointer
        do {
            handle = try retryPointer("opening \(path)", code: .sftp, deadline: deadline, cancellation: cancellation) {
                zs_libssh2_sftp_open(sftp, path, UInt(flags), Int(permissions))
            }
        } catch {
            throw withSFTPStatus(error)
        }
        let result: T
        do {
            result = try body(handle)
        } catch {
            // Best effort and bounded: the handle must not leak, but the original error is what matters.
            _ = try? retry("closing \(path)", code: .sftp, deadline: .after(.seconds(5)),
                           cancellation: CancellationFlag()) { libssh2_sftp_close_handle(handle) }
            throw error
        }
        try sftpRetry("closing \(path)", deadline: deadline, cancellation: cancellation) {
            libssh2_sftp_close_handle(handle)
        }
        return result
    }
}

extension SFTPFileAttributes {
    init(_ attributes: LIBSSH2_SFTP_ATTRIBUTES) {
        let flags = attributes.flags
        // The server's word: permissions are mode bits (a hostile server may send a wider value), never trapped on.
        self.init(
            size: flags & UInt(LIBSSH2_SFTP_ATTR_SIZE) != 0 ? attributes.filesize : nil,
            permissions: flags & UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS) != 0 ? UInt32(truncatingIfNeeded: attributes.permissions) : nil,
            modificationTime: flags & UInt(LIBSSH2_SFTP_ATTR_ACMODTIME) != 0 ? UInt64(attributes.mtime) : nil)
    }
}
