import CLibssh
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

extension SessionHandle {
    /// Runs the SSH handshake (banner, key exchange) on the connected socket.
    func handshake(deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) {
        try retry("SSH handshake (is this an SSH server?)", code: .handshake, deadline: deadline,
                  cancellation: cancellation) {
            ssh_connect(session)
        }
    }

    /// The server's host key: its fingerprint in OpenSSH's `SHA256:<base64 without padding>` form, and the
    /// OpenSSH public-key line (`ssh-ed25519 AAAA...`) a known_hosts file holds, so that OpenSSH (ansible)
    /// can be made to trust exactly the key this session pinned.
    func hostKey() throws(SSHError) -> (fingerprint: String, line: String) {
        var key: OpaquePointer?
        guard ssh_get_server_publickey(session, &key) == SSH_OK, let key else {
            throw error("reading the host key", code: .handshake)
        }
        defer { ssh_key_free(key) }
        var digest: UnsafeMutablePointer<UInt8>?
        var digestLength = 0
        guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &digest, &digestLength) == SSH_OK,
            let bytes = digest
        else {
            throw error("hashing the host key", code: .handshake)
        }
        var base64 = Data(bytes: bytes, count: digestLength).base64EncodedString()
        ssh_clean_pubkey_hash(&digest)
        while base64.hasSuffix("=") { base64.removeLast() }

        var blob: UnsafeMutablePointer<CChar>?
        guard ssh_pki_export_pubkey_base64(key, &blob) == SSH_OK, let blob,
            let type = ssh_key_type_to_char(ssh_key_type(key))
        else {
            throw SSHError(.handshake, "\(label) sent a host key libssh cannot export")
        }
        defer { ssh_string_free_char(blob) }
        return ("SHA256:" + base64, String(cString: type) + " " + String(cString: blob))
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
        guard ssh_options_set(session, SSH_OPTIONS_USER, user) == SSH_OK else {
            throw error("setting the user name", code: .invalidArgument)
        }
        let who = "\(user)@\(label)"
        let none = try authStep("asking \(label) which login methods it allows for \(user)", deadline, cancellation) {
            ssh_userauth_none(session, nil)
        }
        if none == SSH_AUTH_SUCCESS.rawValue { return }  // the server let the user in: nothing more to prove
        let methods = Self.methodNames(UInt32(ssh_userauth_list(session, nil)))
        guard methods.contains(credential.protocolMethodName) else {
            throw SSHError(
                .authenticationFailed,
                "\(label) does not accept \(credential.protocolMethodName) login for \(user); it allows: "
                    + methods.joined(separator: ", "))
        }

        let result: Int32
        switch credential.method {
        case .password(let password):
            result = try authStep("logging in as \(who)", deadline, cancellation) {
                ssh_userauth_password(session, nil, password)
            }
        case .privateKey(let source, let passphrase):
            let key = try Self.loadKey(source, passphrase: passphrase, who: who)
            defer { ssh_key_free(key) }
            // libssh signs an RSA key with rsa-sha2-512 or -256 when the server's server-sig-algs offers them
            // (every OpenSSH since 7.2), so OpenSSH 8.8+ with its default settings accepts it.
            result = try authStep("logging in as \(who)", deadline, cancellation) {
                ssh_userauth_publickey(session, nil, key)
            }
        }
        guard result != SSH_AUTH_SUCCESS.rawValue else { return }
        throw refusal(credential, who: who, partial: result == SSH_AUTH_PARTIAL.rawValue)
    }

    /// Runs one auth call to completion.
    /// - Returns: `SSH_AUTH_SUCCESS`, `SSH_AUTH_DENIED` or `SSH_AUTH_PARTIAL`.
    private func authStep(
        _ what: String, _ deadline: Deadline, _ cancellation: CancellationFlag, _ call: () -> Int32
    ) throws(SSHError) -> Int32 {
        while true {
            let rc = call()
            switch rc {
            case SSH_AUTH_AGAIN.rawValue: try waitForSocket(what, deadline: deadline, cancellation: cancellation)
            case SSH_AUTH_ERROR.rawValue: throw error(what, code: .authenticationFailed)
            default: return rc
            }
        }
    }

    /// Loads a private key from its file or from memory. An empty passphrase rather than NULL keeps
    /// OpenSSL from ever prompting on a terminal for an encrypted PEM key.
    private static func loadKey(_ source: SSHCredential.PrivateKey, passphrase: String?, who: String)
        throws(SSHError) -> OpaquePointer
    {
        var key: OpaquePointer?
        let rc: Int32
        switch source {
        case .file(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw SSHError(.unsupportedKey, "private key file \(path) does not exist or is not readable")
            }
            rc = ssh_pki_import_privkey_file(path, passphrase ?? "", nil, nil, &key)
        case .memory(let text):
            // libssh reads a NUL-terminated string: a copy with the terminator, wiped once libssh is done.
            var terminated = [CChar](repeating: 0, count: text.count + 1)
            terminated.withUnsafeMutableBytes { _ = text.copyBytes(to: $0) }
            defer { terminated.withUnsafeMutableBytes { explicit_bzero($0.baseAddress!, $0.count) } }
            rc = ssh_pki_import_privkey_base64(terminated, passphrase ?? "", nil, nil, &key)
        }
        if rc == SSH_OK, let key { return key }
        let origin = if case .file(let path) = source { "key file \(path)" } else { "the in-memory key" }
        let hint = passphrase == nil ? "it may be encrypted (give its passphrase)" : "the passphrase may be wrong"
        throw SSHError(
            .unsupportedKey,
            "cannot load \(origin) to log in as \(who): \(hint), or it is not a PEM or OpenSSH-format "
                + "RSA/ECDSA/Ed25519 key, the formats libssh reads")
    }

    private func refusal(_ credential: SSHCredential, who: String, partial: Bool) -> SSHError {
        let message =
            if partial {
                "\(who) accepted the \(credential.protocolMethodName) login but requires a further method"
            } else if case .password = credential.method {
                "\(who) refused the password (wrong password or user?)"
            } else {
                "\(who) refused the key: it is not in the user's authorized_keys (or the server does not accept "
                    + "its type)"
            }
        return SSHError(.authenticationFailed, message, libsshMessage: lastErrorText())
    }

    /// The protocol names of the methods in an `ssh_userauth_list` bit set.
    private static func methodNames(_ bits: UInt32) -> [String] {
        let names: [(UInt32, String)] = [
            (SSH_AUTH_METHOD_PUBLICKEY, "publickey"), (SSH_AUTH_METHOD_PASSWORD, "password"),
            (SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive"), (SSH_AUTH_METHOD_HOSTBASED, "hostbased"),
            (SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic"),
        ]
        return names.filter { bits & $0.0 != 0 }.map(\.1)
    }
}
