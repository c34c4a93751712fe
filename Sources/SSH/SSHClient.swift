/// Opens SSH sessions. A value type holding settings; cheap to copy and share.
///
/// ```swift
/// let client = SSHClient()
/// let session = try await client.connect(
///     host: "10.0.0.5", credential: .password(user: "root", password: secret), hostKey: .trustOnFirstUse)
/// store(session.hostKeyFingerprint)   // pin it next time with .pinned(fingerprint:)
/// let result = try await session.exec(["md5sum", "--", "/opt/agent/a", "/opt/agent/b"])  // one exec, many files
/// await session.close()
/// ```
///
/// Installing a public key over a password login (data on stdin, paths as quoted arguments, no interpolation):
/// ```swift
/// let script = #"umask 077 && mkdir -p "$HOME/.ssh" && cat >> "$HOME/.ssh/authorized_keys""#
/// let added = try await session.exec(["sh", "-c", script], input: Array(publicKeyLine.utf8))
/// ```
///
/// Downloading with a key received in memory (never written to disk), resumable after a failure:
/// ```swift
/// let session = try await client.connect(
///     host: storage, credential: .privateKey(user: "root", keyText: pem), hostKey: .pinned(fingerprint: pin))
/// try await session.download(remote: path, to: partialPath, resume: true) { report($0) }
/// ```
///
/// RSA keys work against a default OpenSSH 8.8+ server: the module is built on libssh 0.10, which signs with
/// `rsa-sha2-512`/`rsa-sha2-256` (why libssh rather than libssh2: `SessionHandle`).
///
/// Threading: all libssh work runs on `executor`'s threads, never on the caller's; the async functions
/// suspend meanwhile. Sessions from one client may be used concurrently with each other.
public struct SSHClient: Sendable {
    /// Where blocking libssh calls run. Its thread count bounds how many operations progress at once.
    public var executor: BlockingExecutor
    /// Default limit for TCP connect + handshake + login when `connect` is not given a timeout.
    public var connectTimeout: Duration
    /// How long any one wait on the network may last during later operations (a stalled transfer fails with
    /// `.timeout` after this long without progress, however long the whole transfer takes).
    public var ioTimeout: Duration

    /// - Parameters:
    ///   - executor: threads for libssh work; the process-wide `BlockingExecutor.shared` by default.
    ///   - connectTimeout: default limit for connect, handshake and login.
    ///   - ioTimeout: longest wait without network progress in later operations.
    public init(
        executor: BlockingExecutor = .shared, connectTimeout: Duration = .seconds(15),
        ioTimeout: Duration = .seconds(60)
    ) {
        self.executor = executor
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
    }

    /// Connects, checks the host key, and logs in.
    ///
    /// - Parameters:
    ///   - host: a host name or an IPv4/IPv6 address.
    ///   - port: the SSH port.
    ///   - credential: user and password or private key.
    ///   - hostKey: how to check the server's host key; checked before any credential is sent.
    ///   - timeout: limit for the whole connect, handshake and login; `connectTimeout` when `nil`.
    /// - Returns: an authenticated session; its `hostKeyFingerprint` is the server's key, to store or compare.
    /// - Throws: `SSHError` with code `.unreachable`, `.timeout`, `.handshake`, `.hostKeyMismatch`,
    ///   `.authenticationFailed`, `.unsupportedKey`, `.invalidArgument` or `.cancelled`.
    public func connect(
        host: String, port: Int = 22, credential: SSHCredential, hostKey: HostKeyPolicy, timeout: Duration? = nil
    ) async throws(SSHError) -> SSHSession {
        let deadline = Deadline.after(timeout ?? connectTimeout)
        let ioTimeout = ioTimeout
        let executor = executor
        if case .pinned(let fingerprint) = hostKey { _ = try HostKeyPolicy.normalize(fingerprint) }
        return try await executor.run { cancellation throws(SSHError) in
            let fd = try TCPConnector.connect(host: host, port: port, deadline: deadline, cancellation: cancellation)
            let label = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            let handle = try SessionHandle(socket: fd, label: label, ioTimeout: ioTimeout)
            try handle.handshake(deadline: deadline, cancellation: cancellation)
            let serverKey = try handle.hostKey()
            try hostKey.verify(serverFingerprint: serverKey.fingerprint, host: host, port: port)
            try handle.authenticate(credential, deadline: deadline, cancellation: cancellation)
            return SSHSession(
                handle: handle, host: host, port: port, user: credential.user,
                hostKeyFingerprint: serverKey.fingerprint, hostKey: serverKey.line, executor: executor)
        }
    }
}
