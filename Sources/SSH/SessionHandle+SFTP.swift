extension SessionHandle {
    /// The SFTP subsystem, started on first use and kept for the session's life.
    func sftpSession(deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) -> SFTPChannel {
        if let sftp { return sftp }
        let started = try SFTPChannel(session: self, deadline: deadline, cancellation: cancellation)
        sftp = started
        return started
    }

    /// `stat` (following symlinks).
    func stat(_ path: String, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError)
        -> SFTPFileAttributes
    {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        return try sftp.call(.stat, what: "stat \(path)", deadline: deadline, cancellation: cancellation) {
            $0.string(path)
        }.attributes()
    }

    func remove(_ path: String, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        try sftp.call(.remove, what: "removing \(path)", deadline: deadline, cancellation: cancellation) {
            $0.string(path)
        }.ok()
    }

    func removeDirectory(_ path: String, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        try sftp.call(.rmdir, what: "removing directory \(path)", deadline: deadline, cancellation: cancellation) {
            $0.string(path)
        }.ok()
    }

    /// `posix-rename@openssh.com`: SFTP v3's own RENAME refuses an existing target (OpenSSH's server links
    /// and unlinks), while this one is rename(2), which replaces it in one step.
    func rename(_ path: String, to target: String, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError)
    {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        try sftp.call(
            .extended, what: "renaming \(path) to \(target)", deadline: deadline, cancellation: cancellation
        ) {
            $0.string("posix-rename@openssh.com")
            $0.string(path)
            $0.string(target)
        }.ok()
    }

    /// Creates `path` and any missing parents; existing directories are fine.
    /// - Returns: the directories it created, outermost first.
    func makeDirectories(_ path: String, permissions: UInt32, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError) -> [String]
    {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        var prefix = path.hasPrefix("/") ? "" : "."
        var created: [String] = []
        for component in path.split(separator: "/") {
            prefix += "/" + component
            let directory = prefix
            if let existing = try? stat(directory, deadline: deadline, cancellation: cancellation) {
                guard existing.isDirectory else {
                    throw SSHError(.sftp, "cannot create directory \(path): \(directory) is not a directory")
                }
                continue
            }
            try sftp.call(
                .mkdir, what: "creating directory \(directory)", deadline: deadline, cancellation: cancellation
            ) {
                $0.string(directory)
                $0.attributes(permissions: permissions)
            }.ok()
            created.append(directory)
        }
        return created
    }

    /// Opens a remote file, runs `body` with the SFTP channel and the file's handle, and closes it. A failed
    /// close is reported only when `body` succeeded (for writes it can be the first sign of a full disk).
    /// - Parameter permissions: the mode of a file created by the open; ignored otherwise.
    func withRemoteFile<T>(
        _ path: String, flags: UInt32, permissions: UInt32, deadline: Deadline, cancellation: CancellationFlag,
        _ body: (SFTPChannel, [UInt8]) throws(SSHError) -> T
    ) throws(SSHError) -> T {
        let sftp = try sftpSession(deadline: deadline, cancellation: cancellation)
        let handle = try sftp.call(.open, what: "opening \(path)", deadline: deadline, cancellation: cancellation) {
            $0.string(path)
            $0.u32(flags)
            $0.attributes(permissions: flags & SFTPPacket.openCreate != 0 ? permissions : nil)
        }.handle()
        let close = { (deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) in
            try sftp.call(.close, what: "closing \(path)", deadline: deadline, cancellation: cancellation) {
                $0.string(handle)
            }.ok()
        }
        let result: T
        do {
            result = try body(sftp, handle)
        } catch {
            // Best effort and bounded: the handle must not leak, but the original error is what matters.
            try? close(.after(.seconds(5)), CancellationFlag())
            throw error
        }
        try close(deadline, cancellation)
        return result
    }
}
