#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who to log in as and how to prove it.
///
/// Secrets stay in memory only: `description`, `debugDescription` and reflection (`dump`, string interpolation)
/// print the user and the kind of credential but never the password, passphrase or key bytes, so a credential
/// that ends up in a log line leaks nothing. An in-memory key is handed to libssh straight from memory
/// (`ssh_pki_import_privkey_base64`); it is never written to disk.
///
/// Key formats accepted by Debian 12's libssh 0.10 (OpenSSL 3 backend), checked by the tests: RSA in PEM
/// (`-----BEGIN RSA PRIVATE KEY-----`) and Ed25519/RSA in OpenSSH format
/// (`-----BEGIN OPENSSH PRIVATE KEY-----`), from a file or from memory, with or without a passphrase.
/// RSA keys sign with `rsa-sha2-512`/`rsa-sha2-256`, which a default OpenSSH 8.8+ server accepts.
public struct SSHCredential: Sendable {
    /// Where a private key comes from.
    public enum PrivateKey: Sendable {
        /// A key file on this machine; libssh reads it itself.
        case file(path: String)
        /// The key file's contents (PEM or OpenSSH text), e.g. received from the management node.
        case memory(Data)
    }

    enum Method: Sendable {
        case password(String)
        case privateKey(PrivateKey, passphrase: String?)
    }

    /// The remote user name.
    public let user: String
    let method: Method

    /// Log in with a password.
    public static func password(user: String, password: String) -> SSHCredential {
        SSHCredential(user: user, method: .password(password))
    }

    /// Log in with a private key; the public half is derived from it.
    /// - Parameters:
    ///   - key: the key file or its contents.
    ///   - passphrase: the passphrase of an encrypted key, `nil` for an unencrypted one.
    public static func privateKey(user: String, key: PrivateKey, passphrase: String? = nil) -> SSHCredential {
        SSHCredential(user: user, method: .privateKey(key, passphrase: passphrase))
    }

    /// Log in with the key held in `keyText` (the contents of a PEM or OpenSSH key file).
    public static func privateKey(user: String, keyText: String, passphrase: String? = nil) -> SSHCredential {
        privateKey(user: user, key: .memory(Data(keyText.utf8)), passphrase: passphrase)
    }

    /// The name of the authentication method as the SSH protocol spells it (`password`, `publickey`).
    var protocolMethodName: String {
        switch method {
        case .password: "password"
        case .privateKey: "publickey"
        }
    }
}

extension SSHCredential: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The user and the kind of credential, never the secret.
    public var description: String {
        switch method {
        case .password: "SSHCredential(user: \(user), password: <redacted>)"
        case .privateKey(.file(let path), _): "SSHCredential(user: \(user), key file: \(path))"
        case .privateKey(.memory, _): "SSHCredential(user: \(user), key: <in memory, redacted>)"
        }
    }

    /// Same as `description`: secrets stay out of debug output too.
    public var debugDescription: String { description }

    /// Hides the stored secret from `dump` and other reflection.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
