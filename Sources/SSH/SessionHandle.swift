import CLibssh
import Glibc

/// libssh must be initialised once per process before any session exists; a global `let` is initialised
/// lazily and exactly once, even when several threads touch it first at the same time.
private let libsshInitialized: Int32 = ssh_init()

/// Owns one libssh session (and through it the socket) and its lazily started SFTP channel.
///
/// Why libssh 0.10 and not libssh2: the MN logs in to backup storage with its own key, which is RSA in every
/// ZStack install, and OpenSSH 8.8+ refuses RSA signatures made with SHA-1 (`ssh-rsa`) by default. libssh2
/// signs RSA user auth with SHA-2 (`rsa-sha2-256/512`) only from 1.11, and Debian 12 ships 1.10; building
/// 1.11 from source is not possible here (machines reach the Debian and PyPI registries only, no source
/// downloads) and would make every fresh machine compile a crypto library. libssh 0.10.6 is Debian 12's
/// `libssh-dev`, picks `rsa-sha2-512/256` from the server's `server-sig-algs`, and loads keys from memory
/// (`ssh_pki_import_privkey_base64`), so no key is ever written to disk.
///
/// Not thread-safe and not Sendable: `SSHSession` keeps it inside a `Mutex` and only touches it from a job on
/// the `BlockingExecutor`, one job at a time. The session runs in libssh's non-blocking mode so that every
/// wait goes through `SocketWaiter`, which enforces deadlines and task cancellation uniformly (libssh's
/// blocking mode can only time out per call and cannot be cancelled).
final class SessionHandle {
    let session: OpaquePointer
    /// How long any single wait for the network may last before the operation fails with `.timeout`.
    let ioTimeout: Duration
    /// Where the session connects to, for error messages.
    let label: String
    var sftp: SFTPChannel?
    /// The connected socket. libssh uses it but never closes a socket it was given (`SSH_OPTIONS_FD`).
    private let socket: Int32
    private var isClosed = false

    /// Takes ownership of a connected, non-blocking socket; it is closed with the session.
    init(socket: Int32, label: String, ioTimeout: Duration) throws(SSHError) {
        guard libsshInitialized == SSH_OK else {
            Glibc.close(socket)
            throw SSHError(.handshake, "ssh_init failed (\(libsshInitialized)); the crypto backend is broken")
        }
        guard let session = ssh_new() else {
            Glibc.close(socket)
            throw SSHError(.handshake, "libssh could not allocate a session (out of memory?)")
        }
        var fd = socket
        var no: Int32 = 0
        // Neither ~/.ssh/config nor /etc/ssh/ssh_config is read, and no host name is given (libssh would look
        // it up in known_hosts files to order host key algorithms): the connection is what the caller asked
        // for, whatever local files say, and the host key is checked by `HostKeyPolicy` alone.
        guard ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &no) == SSH_OK,
            ssh_options_set(session, SSH_OPTIONS_FD, &fd) == SSH_OK
        else {
            let text = String(cString: ssh_get_error(UnsafeMutableRawPointer(session)))
            ssh_free(session)
            Glibc.close(socket)
            throw SSHError(.invalidArgument, "libssh refused the options for \(label): \(text)")
        }
        self.session = session
        self.socket = socket
        self.label = label
        self.ioTimeout = ioTimeout
        ssh_set_blocking(session, 0)
    }

    /// Says goodbye to the server and frees everything. Idempotent; never waits on the network: libssh
    /// sends the disconnect message as far as the socket takes it without blocking.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        sftp = nil  // frees its channel while the session still exists
        ssh_disconnect(session)
        ssh_free(session)
        Glibc.close(socket)
    }

    /// Fallback for sessions nobody closed.
    deinit { close() }

    /// Calls `call` until it stops returning `SSH_AGAIN`, waiting on the socket in between.
    /// - Returns: the first result that is neither `SSH_AGAIN` nor `SSH_ERROR`.
    /// - Throws: an `SSHError` of kind `code` (or `.timeout`/`.disconnected`/`.cancelled`).
    @discardableResult
    func retry(
        _ what: String, code: SSHError.Code, deadline: Deadline, cancellation: CancellationFlag, _ call: () -> Int32
    ) throws(SSHError) -> Int32 {
        while true {
            let rc = call()
            if rc == SSH_AGAIN {
                try waitForSocket(what, deadline: deadline, cancellation: cancellation)
                continue
            }
            guard rc != SSH_ERROR else { throw error(what, code: code) }
            return rc
        }
    }

    /// Waits until libssh can make progress, bounded by `deadline` and by `idleLimit` (the session's
    /// `ioTimeout` unless given; `nil` for waits whose length only the caller knows, like a silent remote
    /// command). Always waits for input; for output too while libssh has bytes it could not send yet.
    func waitForSocket(
        _ what: String, deadline: Deadline, cancellation: CancellationFlag, idleLimit: Duration?? = .none
    ) throws(SSHError) {
        let idle = idleLimit ?? ioTimeout
        var events = Int16(POLLIN)
        if ssh_get_poll_flags(session) & SSH_WRITE_PENDING != 0 { events |= Int16(POLLOUT) }
        try SocketWaiter.wait(
            fd: socket, events: events, deadline: deadline.earlier(.after(idle)),
            cancellation: cancellation, what: "\(what) on \(label)")
    }

    /// Builds the error for a failed libssh call, attaching libssh's own text and error class.
    func error(_ what: String, code: SSHError.Code) -> SSHError {
        let lost = ssh_is_connected(session) == 0
        let sentence = lost ? "connection to \(label) lost while \(what)" : "\(what) on \(label) failed"
        return SSHError(
            lost ? .disconnected : code, sentence, libsshMessage: lastErrorText(),
            libsshCode: ssh_get_error_code(UnsafeMutableRawPointer(session)))
    }

    /// libssh's description of the last error on this session.
    func lastErrorText() -> String? {
        guard let text = ssh_get_error(UnsafeMutableRawPointer(session)) else { return nil }
        return String(cString: text)
    }
}
