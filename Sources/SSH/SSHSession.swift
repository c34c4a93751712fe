import Synchronization

/// An authenticated SSH connection: run commands, move files over SFTP.
///
/// Ownership: the session owns one libssh session, its socket and its SFTP channel. Call `close()` when done;
/// if the last reference goes away first, `deinit` frees everything without a polite disconnect.
///
/// Threading: safe to share between tasks. libssh work runs on the client's `BlockingExecutor`; each
/// operation holds the session's lock for its whole duration inside that job (never across an `await`), so
/// operations on one session run one after another (a waiting call occupies an executor thread until its
/// turn). Use one session per concurrent stream of work, e.g. several sessions for parallel transfers.
///
/// Cancellation: cancelling the calling task stops an exec or transfer within ~0.1 s with `.cancelled`.
/// After a cancelled or timed-out operation the session stays usable.
public final class SSHSession: Sendable {
    /// The host name or address given to `connect`.
    public let host: String
    /// The port given to `connect`.
    public let port: Int
    /// The user that logged in.
    public let user: String
    /// The server's host key, `SHA256:<base64>` as `ssh-keygen -l -E sha256` prints it.
    public let hostKeyFingerprint: String
    /// The server's host key as an OpenSSH public-key line (`ssh-ed25519 AAAA...`), for a known_hosts file.
    public let hostKey: String

    let executor: BlockingExecutor
    /// `nil` once closed. The lock is what keeps two threads out of one libssh session.
    private let handle: Mutex<SessionHandle?>

    init(handle: sending SessionHandle, host: String, port: Int, user: String, hostKeyFingerprint: String,
         hostKey: String, executor: BlockingExecutor)
    {
        self.handle = Mutex(handle)
        self.host = host
        self.port = port
        self.user = user
        self.hostKeyFingerprint = hostKeyFingerprint
        self.hostKey = hostKey
        self.executor = executor
    }

    /// Runs `body` with exclusive use of the libssh session, on the executor.
    func withHandle<T: Sendable>(
        _ body: @escaping @Sendable (SessionHandle, CancellationFlag) throws(SSHError) -> T
    ) async throws(SSHError) -> T {
        try await executor.run { [self] cancellation throws(SSHError) in
            try self.handle.withLock { handle throws(SSHError) -> T in
                guard let handle else {
                    throw SSHError(.closed, "the SSH session was already closed")
                }
                return try body(handle, cancellation)
            }
        }
    }

    /// Runs a command line through the remote user's shell.
    ///
    /// The string is interpreted by the remote shell: build it from untrusted parts only with
    /// `ShellQuoting.quote`/`ShellQuoting.join`, or use `exec(_:input:timeout:maxOutputBytes:)` with argv.
    /// Stdout and stderr are read together as they arrive, so a chatty stderr cannot deadlock stdout.
    ///
    /// - Parameters:
    ///   - command: the command line.
    ///   - input: bytes written to the command's stdin, which is then closed.
    ///   - timeout: limit for the whole command; `nil` lets it run (and stay silent) as long as it likes.
    ///     On timeout the channel is closed (the remote process gets EOF/SIGPIPE, not a kill).
    ///   - maxOutputBytes: per stream; the rest is read and dropped, and `ExecResult.truncated` is set.
    /// - Returns: the exit status and output; a non-zero exit status is not an error.
    /// - Throws: `SSHError` `.timeout`, `.channel`, `.disconnected`, `.cancelled`, `.closed`.
    public func exec(
        command: String, input: [UInt8] = [], timeout: Duration? = nil, maxOutputBytes: Int = 64 << 20
    ) async throws(SSHError) -> ExecResult {
        guard !command.utf8.contains(0) else {
            throw SSHError(.invalidArgument, "command contains a NUL byte")
        }
        let deadline = Deadline.after(timeout)
        return try await withHandle { handle, cancellation throws(SSHError) in
            try handle.exec(
                command: command, input: input, deadline: deadline, maxOutputBytes: maxOutputBytes,
                cancellation: cancellation)
        }
    }

    /// Runs a program given as argv; each argument is quoted for the remote POSIX shell, so spaces, quotes,
    /// `$`, `;` and the like reach the program literally. Same behaviour as `exec(command:...)` otherwise.
    public func exec(
        _ argv: [String], input: [UInt8] = [], timeout: Duration? = nil, maxOutputBytes: Int = 64 << 20
    ) async throws(SSHError) -> ExecResult {
        guard !argv.isEmpty else { throw SSHError(.invalidArgument, "exec needs at least a program name") }
        return try await exec(
            command: ShellQuoting.join(argv), input: input, timeout: timeout, maxOutputBytes: maxOutputBytes)
    }

    /// Disconnects politely and frees the session. Later calls fail with `.closed`; closing twice is fine.
    public func close() async {
        _ = try? await executor.run { [self] _ throws(SSHError) in
            self.handle.withLock { handle in
                handle?.close()
                handle = nil
            }
        }
    }
}
