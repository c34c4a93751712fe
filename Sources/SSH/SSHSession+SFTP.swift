/// SFTP file operations. Paths are remote paths as the server resolves them (relative to the login
/// directory unless absolute). Each call holds the session for its whole duration, like `exec`.
extension SSHSession {
    /// Downloads `remote` into `local`, streaming in chunks (the file is never held in memory).
    ///
    /// Interrupted downloads leave the partial file in place; call again with `resume: true` to continue from
    /// the partial file's size instead of starting over.
    ///
    /// - Parameters:
    ///   - resume: continue after the bytes `local` already has; `false` truncates it first.
    ///   - permissions: mode for `local` when it is created (exact, not reduced by the umask); default 0644
    ///     minus the umask.
    ///   - progress: called after every chunk (about 2 MiB) on an executor thread; keep it quick.
    /// - Returns: sizes, including how much was resumed and how much was actually transferred.
    /// - Throws: `.sftp` (e.g. `isNoSuchFile`), `.localFile`, `.invalidArgument` (partial file larger than
    ///   the remote one), `.timeout` (no progress for the client's `ioTimeout`), `.cancelled`, `.disconnected`.
    @discardableResult
    public func download(
        remote: String, to local: String, resume: Bool = false, permissions: UInt32? = nil,
        progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws(SSHError) -> TransferResult {
        try Self.checkRemotePath(remote)
        return try await withHandle { handle, cancellation throws(SSHError) in
            try handle.download(
                remote: remote, local: local, resume: resume, permissions: permissions, cancellation: cancellation,
                progress: progress)
        }
    }

    /// Uploads `local` to `remote`, streaming in chunks; the counterpart of `download`.
    ///
    /// - Parameters:
    ///   - resume: continue after the bytes `remote` already has (missing counts as empty); `false` truncates.
    ///   - permissions: exact mode to set on `remote`; when `nil` a new file gets 0644 minus the server's umask.
    ///   - progress: called after every chunk on an executor thread; keep it quick.
    @discardableResult
    public func upload(
        local: String, to remote: String, resume: Bool = false, permissions: UInt32? = nil,
        progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }
    ) async throws(SSHError) -> TransferResult {
        try Self.checkRemotePath(remote)
        return try await withHandle { handle, cancellation throws(SSHError) in
            try handle.upload(
                local: local, remote: remote, resume: resume, permissions: permissions, cancellation: cancellation,
                progress: progress)
        }
    }

    /// The attributes of `path` (symlinks followed).
    /// - Throws: `.sftp`; `error.isNoSuchFile` tells a missing file apart from other failures.
    public func attributes(of path: String) async throws(SSHError) -> SFTPFileAttributes {
        try Self.checkRemotePath(path)
        let deadline = Deadline.never
        return try await withHandle { handle, cancellation throws(SSHError) in
            try handle.stat(path, deadline: deadline, cancellation: cancellation)
        }
    }

    /// Deletes the file `path` (not a directory).
    public func removeFile(_ path: String) async throws(SSHError) {
        try Self.checkRemotePath(path)
        try await withHandle { handle, cancellation throws(SSHError) in
            try handle.remove(path, deadline: .never, cancellation: cancellation)
        }
    }

    /// Deletes the empty directory `path`.
    public func removeDirectory(_ path: String) async throws(SSHError) {
        try Self.checkRemotePath(path)
        try await withHandle { handle, cancellation throws(SSHError) in
            try handle.removeDirectory(path, deadline: .never, cancellation: cancellation)
        }
    }

    /// Renames `path` to `target`, replacing an existing `target` atomically (rename(2) on the server,
    /// through OpenSSH's `posix-rename@openssh.com` extension).
    /// - Throws: `.sftp`; a server without the extension answers "operation unsupported".
    public func rename(_ path: String, to target: String) async throws(SSHError) {
        try Self.checkRemotePath(path)
        try Self.checkRemotePath(target)
        try await withHandle { handle, cancellation throws(SSHError) in
            try handle.rename(path, to: target, deadline: .never, cancellation: cancellation)
        }
    }

    /// Creates directory `path` and any missing parents, like `mkdir -p`; new directories get `permissions`
    /// minus the server's umask.
    /// - Returns: the directories it created, outermost first (to remove them again after a failure).
    @discardableResult
    public func makeDirectories(_ path: String, permissions: UInt32 = 0o755) async throws(SSHError) -> [String] {
        try Self.checkRemotePath(path)
        return try await withHandle { handle, cancellation throws(SSHError) in
            try handle.makeDirectories(path, permissions: permissions, deadline: .never, cancellation: cancellation)
        }
    }

    private static func checkRemotePath(_ path: String) throws(SSHError) {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw SSHError(.invalidArgument, "remote path \(path.debugDescription) is empty or contains NUL")
        }
    }
}
