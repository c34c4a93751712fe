import CLibssh2
import Glibc

/// libssh2 must be initialised once per process before any session exists; a global `let` is initialised
/// lazily and exactly once, even when several threads touch it first at the same time.
private let libssh2Initialized: Int32 = libssh2_init(0)

/// Owns one `LIBSSH2_SESSION`, its socket and its lazily opened SFTP subsystem.
///
/// Not thread-safe and not Sendable: `SSHSession` keeps it inside a `Mutex` and only touches it from a job on
/// the `BlockingExecutor`, one job at a time. The session runs in libssh2's non-blocking mode so that every
/// wait goes through `SocketWaiter`, which enforces deadlines and task cancellation uniformly (libssh2's own
/// blocking mode can only time out per call and cannot be cancelled).
final class SessionHandle {
    let session: OpaquePointer
    let socket: Int32
    /// How long any single wait for the network may last before the operation fails with `.timeout`.
    let ioTimeout: Duration
    /// Where the session connects to, for error messages.
    let label: String
    var sftp: OpaquePointer?
    private var isClosed = false

    /// Takes ownership of a connected socket; it is closed with the session.
    init(socket: Int32, label: String, ioTimeout: Duration) throws(SSHError) {
        guard libssh2Initialized == 0 else {
            Glibc.close(socket)
            throw SSHError(.handshake, "libssh2_init failed (\(libssh2Initialized)); the crypto backend is broken")
        }
        guard let session = zs_libssh2_session_init() else {
            Glibc.close(socket)
            throw SSHError(.handshake, "libssh2 could not allocate a session (out of memory?)")
        }
        self.session = session
        self.socket = socket
        self.label = label
        self.ioTimeout = ioTimeout
        libssh2_session_set_blocking(session, 0)
    }

    /// Says goodbye to the server (best effort, bounded by `deadline`) and frees everything. Idempotent.
    func close(deadline: Deadline = .after(.seconds(2))) {
        guard !isClosed else { return }
        isClosed = true
        let notCancellable = CancellationFlag()
        if let sftp {
            _ = try? retry("closing SFTP", code: .sftp, deadline: deadline, cancellation: notCancellable) {
                libssh2_sftp_shutdown(sftp)
            }
            self.sftp = nil
        }
        _ = try? retry("disconnecting", code: .disconnected, deadline: deadline, cancellation: notCancellable) {
            libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "closed by client", "")
        }
        libssh2_session_free(session)
        Glibc.close(socket)
    }

    /// Fallback for sessions nobody closed: free without a polite disconnect so `deinit` never blocks.
    deinit {
        guard !isClosed else { return }
        if let sftp { libssh2_sftp_shutdown(sftp) }
        libssh2_session_free(session)
        Glibc.close(socket)
    }

    /// Calls `call` until it stops returning `LIBSSH2_ERROR_EAGAIN`, waiting on the socket in between.
    /// - Returns: the first non-negative result.
    /// - Throws: an `SSHError` of kind `code` (or `.timeout`/`.disconnected` when that is what libssh2 says).
    @discardableResult
    func retry<R: BinaryInteger>(
        _ what: String, code: SSHError.Code, deadline: Deadline, cancellation: CancellationFlag, _ call: () -> R
    ) throws(SSHError) -> R {
        while true {
            let rc = call()
            if rc >= 0 { return rc }
            guard rc == LIBSSH2_ERROR_EAGAIN else { throw error(what, code: code, rc: Int32(rc)) }
            try waitForSocket(what, deadline: deadline, cancellation: cancellation)
        }
    }

    /// Like `retry`, for libssh2 calls that return a pointer and signal EAGAIN through the last error.
    func retryPointer<P>(
        _ what: String, code: SSHError.Code, deadline: Deadline, cancellation: CancellationFlag, _ call: () -> P?
    ) throws(SSHError) -> P {
        while true {
            if let pointer = call() { return pointer }
            let rc = libssh2_session_last_errno(session)
            guard rc == LIBSSH2_ERROR_EAGAIN else { throw error(what, code: code, rc: rc) }
            try waitForSocket(what, deadline: deadline, cancellation: cancellation)
        }
    }

    /// Waits until libssh2 can make progress in the direction it is blocked on, bounded by `deadline` and by
    /// `idleLimit` (the session's `ioTimeout` unless given; `nil` for waits whose length only the caller knows,
    /// like a silent remote command).
    func waitForSocket(
        _ what: String, deadline: Deadline, cancellation: CancellationFlag, idleLimit: Duration?? = .none
    ) throws(SSHError) {
        let idle = idleLimit ?? ioTimeout
        let directions = libssh2_session_block_directions(session)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        if events == 0 { events = Int16(POLLIN) }
        try SocketWaiter.wait(
            fd: socket, events: events, deadline: deadline.earlier(.after(idle)),
            cancellation: cancellation, what: "\(what) on \(label)")
    }

    /// Builds the error for a failed libssh2 call, attaching libssh2's own text and number.
    func error(_ what: String, code: SSHError.Code, rc: Int32) -> SSHError {
        let kind: SSHError.Code =
            switch rc {
            case LIBSSH2_ERROR_TIMEOUT: .timeout
            case LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT: .disconnected
            default: code
            }
        let prefix = kind == .disconnected ? "connection to \(label) lost while" : "failed"
        let sentence = kind == .disconnected ? "\(prefix) \(what)" : "\(what) on \(label) \(prefix)"
        return SSHError(kind, sentence, libssh2Message: lastErrorText(), libssh2Code: rc)
    }

    /// libssh2's description of the last error on this session.
    func lastErrorText() -> String? {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        libssh2_session_last_error(session, &message, &length, 0)
        return message.map { String(cString: $0) }
    }
}
