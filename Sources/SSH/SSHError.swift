#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error type of the SSH module.
///
/// `code` says what kind of failure it was, so callers can react (retry an unreachable host, stop on a changed
/// host key, ask for new credentials on `authenticationFailed`); `message` says what to do in words a person can
/// act on. When libssh, the SFTP server or the OS reported something, its text and numbers are kept alongside, never instead.
/// No error ever contains a password, a passphrase or key material.
public struct SSHError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure. An extensible set of values rather than a public enum, so new kinds can be added
    /// without breaking callers that switch over them.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case unreachable, timeout, cancelled, handshake, hostKeyMismatch, authenticationFailed
            case unsupportedKey, channel, sftp, localFile, disconnected, closed, invalidArgument
        }
        private let value: Value

        /// TCP connect failed: refused, no route, or the name did not resolve.
        public static let unreachable = Code(value: .unreachable)
        /// Connecting, an exec or an I/O step took longer than its timeout.
        public static let timeout = Code(value: .timeout)
        /// The calling task was cancelled; the operation stopped early.
        public static let cancelled = Code(value: .cancelled)
        /// The SSH handshake (banner, key exchange) failed: the peer is probably not an SSH server.
        public static let handshake = Code(value: .handshake)
        /// The server's host key does not match the pinned fingerprint. Nothing was sent to authenticate.
        public static let hostKeyMismatch = Code(value: .hostKeyMismatch)
        /// The server rejected the user name, password or key.
        public static let authenticationFailed = Code(value: .authenticationFailed)
        /// The private key could not be loaded: wrong passphrase, unreadable, or a format libssh cannot read.
        public static let unsupportedKey = Code(value: .unsupportedKey)
        /// Opening or using an exec channel failed.
        public static let channel = Code(value: .channel)
        /// An SFTP request failed; `sftpStatus` holds the server's status code.
        public static let sftp = Code(value: .sftp)
        /// Reading or writing a local file failed; `errno` holds the OS error.
        public static let localFile = Code(value: .localFile)
        /// The connection dropped in the middle of an operation.
        public static let disconnected = Code(value: .disconnected)
        /// The session was already closed by `close()`.
        public static let closed = Code(value: .closed)
        /// An argument was rejected before anything was sent (bad port, fingerprint syntax, NUL in a string).
        public static let invalidArgument = Code(value: .invalidArgument)

        /// The code's name, e.g. `authenticationFailed`.
        public var description: String { value.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened and, where possible, what to do about it.
    public let message: String
    /// libssh's own error text (`ssh_get_error`), when libssh reported the failure.
    public let libsshMessage: String?
    /// libssh's error class (`ssh_get_error_code`: 1 = request denied, 2 = fatal), when libssh reported it.
    public let libsshCode: Int32?
    /// The SFTP status (`SSH_FX_*`) for `sftp` errors, e.g. 2 = no such file, 3 = permission denied.
    public let sftpStatus: UInt?
    /// The OS `errno` for socket and local-file failures.
    public let errno: Int32?

    /// Builds an error; `message` should say what failed and what to do about it.
    public init(
        _ code: Code, _ message: String, libsshMessage: String? = nil, libsshCode: Int32? = nil,
        sftpStatus: UInt? = nil, errno: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.libsshMessage = libsshMessage
        self.libsshCode = libsshCode
        self.sftpStatus = sftpStatus
        self.errno = errno
    }

    /// True for an SFTP "no such file" status, the one callers commonly branch on.
    public var isNoSuchFile: Bool { code == .sftp && sftpStatus == 2 }

    /// Code, message, and whatever libssh or the OS reported, on one line.
    public var description: String {
        var text = "SSH \(code): \(message)"
        if let libsshMessage, !libsshMessage.isEmpty {
            text += " (libssh: \(libsshMessage)" + (libsshCode.map { ", code \($0)" } ?? "") + ")"
        }
        if let sftpStatus { text += " (sftp status \(sftpStatus))" }
        if let errno { text += " (errno \(errno): \(String(cString: strerror(errno))))" }
        return text
    }
}
