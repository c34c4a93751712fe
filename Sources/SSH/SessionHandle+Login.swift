import CLibssh2
import Foundation
import Glibc

extension SessionHandle {
    /// Runs the SSH handshake (banner, key exchange) on the connected socket.
    func handshake(deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) {
        try retry("SSH handshake (is this an SSH server?)", code: .handshake, deadline: deadline,
                  cancellation: cancellation) {
            libssh2_session_handshake(session, socket)
        }
    }

    /// The server's host key fingerprint in OpenSSH's `SHA256:<base64 without padding>` form.
    func hostKeyFingerprint() throws(SSHError) -> String {
        guard let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) else {
            throw error("reading the host key fingerprint", code: .handshake, rc: libssh2_session_last_errno(session))
        }
        let bytes = Data(bytes: hash, count: 32)
        var base64 = bytes.base64EncodedString()
        while base64.hasSuffix("=") { base64.removeLast() }
        return "SHA256:" + base64
    }

    /// The server's host key as an OpenSSH public-key line (`ssh-ed25519 AAAA...`), what a known_hosts file
    /// holds, so that OpenSSH (ansible) can be made to trust exactly the key this session pinned.
    func hostKeyLine() throws(SSHError) -> String {
        var length = 0
        var type: Int32 = 0
        guard let key = libssh2_session_hostkey(session, &length, &type), length > 4 else {
            throw error("reading the host key", code: .handshake, rc: libssh2_session_last_errno(session))
        }
        let blob = Data(bytes: key, count: length)
        // The blob starts with the key type as an SSH string: a big-endian 32-bit length, then the name.
        let nameLength = blob.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard nameLength > 0, 4 + nameLength <= blob.count else {
            throw SSHError(.handshake, "\(label) sent a malformed host key")
        }
        let name = String(decoding: blob[4..<(4 + nameLength)], as: UTF8.self)
        return name + " " + blob.base64EncodedString()
    }

    /// Authenticates with `credential`; on failure the error says whether the server refused the method, the
    /// secret, or whether the key could not even be loaded.
    func authenticate(_ credential: SSHCredential, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError)
    {
        let user = credential.user
        guard !user.isEmpty, !user.utf8.contains(0) else {
            throw SSHError(.invalidArgument, "user name \(user.debugDescription) is empty or contains NUL")
        }
        let userLength = UInt32(user.utf8.count)
        let methods = try allowedMethods(user: user, deadline: deadline, cancellation: cancellation)
        guard let methods else { return }  // the server accepted "none": nothing more to prove
        guard methods.contains(credential.protocolMethodName) else {
            throw SSHError(
                .authenticationFailed,
                "\(label) does not accept \(credential.protocolMethodName) login for \(user); it allows: "
                    + methods.joined(separator: ", "))
        }

        let rc: Int32
        switch credential.method {
        case .password(let password):
            rc = retryForAuth(deadline: deadline, cancellation: cancellation) {
                libssh2_userauth_password_ex(
                    session, user, userLength, password, UInt32(password.utf8.count), nil)
            }
        case .privateKey(.file(let path), let passphrase):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw SSHError(.unsupportedKey, "private key file \(path) does not exist or is not readable")
            }
            // An empty passphrase rather than NULL keeps OpenSSL from ever prompting on a terminal.
            rc = retryForAuth(deadline: deadline, cancellation: cancellation) {
                libssh2_userauth_publickey_fromfile_ex(session, user, userLength, nil, path, passphrase ?? "")
            }
        case .privateKey(.memory(let key), let passphrase):
            // libssh2 1.10 runs strlen() over the key despite taking its length (AddressSanitizer caught it
            // reading past a Data buffer), so it gets a NUL-terminated copy, wiped once libssh2 is done.
            var terminated = [CChar](repeating: 0, count: key.count + 1)
            terminated.withUnsafeMutableBytes { _ = key.copyBytes(to: $0) }
            defer { terminated.withUnsafeMutableBytes { explicit_bzero($0.baseAddress!, $0.count) } }
            rc = retryForAuth(deadline: deadline, cancellation: cancellation) {
                libssh2_userauth_publickey_frommemory(
                    session, user, Int(userLength), nil, 0, terminated, key.count, passphrase ?? "")
            }
        }
        if rc == 0 { return }
        if cancellation.isCancelled { throw SSHError(.cancelled, "cancelled while logging in to \(label)") }
        throw authenticationError(credential, rc: rc)
    }

    /// The methods the server offers for `user`, or `nil` if it let the user in without any.
    private func allowedMethods(user: String, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError) -> [String]?
    {
        while true {
            if let list = libssh2_userauth_list(session, user, UInt32(user.utf8.count)) {
                return String(cString: list).split(separator: ",").map(String.init)
            }
            if libssh2_userauth_authenticated(session) != 0 { return nil }
            let rc = libssh2_session_last_errno(session)
            guard rc == LIBSSH2_ERROR_EAGAIN else {
                throw error("asking which login methods are allowed", code: .authenticationFailed, rc: rc)
            }
            try waitForSocket("asking which login methods are allowed", deadline: deadline, cancellation: cancellation)
        }
    }

    /// Runs an auth call to completion; returns its final code (0 or a libssh2 error), or EAGAIN when the wait
    /// was cut short (timeout or cancellation), so the caller can still describe the failure.
    private func retryForAuth(deadline: Deadline, cancellation: CancellationFlag, _ call: () -> Int32) -> Int32 {
        while true {
            let rc = call()
            guard rc == LIBSSH2_ERROR_EAGAIN else { return rc }
            do {
                try waitForSocket("logging in", deadline: deadline, cancellation: cancellation)
            } catch {
                return rc
            }
        }
    }

    private func authenticationError(_ credential: SSHCredential, rc: Int32) -> SSHError {
        let who = "\(credential.user)@\(label)"
        let message: String
        let code: SSHError.Code
        switch (credential.method, rc) {
        case (_, LIBSSH2_ERROR_EAGAIN):
            return SSHError(.timeout, "timed out while logging in as \(who)")
        case (_, LIBSSH2_ERROR_TIMEOUT), (_, LIBSSH2_ERROR_SOCKET_SEND), (_, LIBSSH2_ERROR_SOCKET_RECV),
            (_, LIBSSH2_ERROR_SOCKET_DISCONNECT):
            return error("logging in as \(who)", code: .authenticationFailed, rc: rc)
        case (.password, LIBSSH2_ERROR_PASSWORD_EXPIRED):
            (code, message) = (.authenticationFailed, "the password of \(who) has expired; change it on the host")
        case (.password, _):
            (code, message) = (.authenticationFailed, "\(who) refused the password (wrong password or user?)")
        case (.privateKey, LIBSSH2_ERROR_AUTHENTICATION_FAILED), (.privateKey, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED):
            code = .authenticationFailed
            message =
                "\(who) refused the key: it is not in the user's authorized_keys, or it is an RSA key, which "
                + "libssh2 1.10 signs only with ssh-rsa (SHA-1) and OpenSSH 8.8+ refuses by default (use an "
                + "Ed25519 key, or allow 'PubkeyAcceptedAlgorithms +ssh-rsa' on the server)"
        case (.privateKey(let source, let passphrase), _):
            // Anything else from a key login is libssh2 failing to load the key before sending it.
            let origin = if case .file(let path) = source { "key file \(path)" } else { "the in-memory key" }
            let hint = passphrase == nil ? "it may be encrypted (give its passphrase)" : "the passphrase may be wrong"
            code = .unsupportedKey
            message =
                "cannot load \(origin) to log in as \(who): \(hint), or it is not a PEM or OpenSSH-format "
                + "RSA/Ed25519 key, the formats this libssh2 build reads"
        }
        return SSHError(code, message, libssh2Message: lastErrorText(), libssh2Code: rc)
    }
}
