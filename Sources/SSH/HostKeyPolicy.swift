import HostSystem
/// How a connection decides whether to trust the server's host key.
///
/// Fingerprints use OpenSSH's form, `SHA256:` followed by the unpadded base64 of the SHA-256 of the key blob:
/// exactly what `ssh-keygen -l -E sha256 -f key.pub` and `ssh` print. The check runs right after the key
/// exchange and before any credential is sent, so a mismatch never exposes a password.
public enum HostKeyPolicy: Sendable, Hashable {
    /// Accept only a server whose host key has this fingerprint; anything else fails with `hostKeyMismatch`.
    case pinned(fingerprint: String)
    /// Accept any host key. The caller stores `SSHSession.hostKeyFingerprint` and pins it next time.
    case trustOnFirstUse

    /// Checks a server fingerprint against the policy.
    /// - Throws: `SSHError` `.hostKeyMismatch` when a pinned fingerprint differs, `.invalidArgument` when the
    ///   pinned string is not in `SHA256:<base64>` form (so a typo is not reported as an attack).
    func verify(serverFingerprint: String, host: String, port: Int) throws(SSHError) {
        guard case .pinned(let expected) = self else { return }
        let normalized = try Self.normalize(expected)
        guard normalized == serverFingerprint else {
            throw SSHError(
                .hostKeyMismatch,
                "host key of \(host):\(port) changed: server presents \(serverFingerprint) but \(normalized) is "
                    + "pinned. If the host was reinstalled, verify and pin the new fingerprint; otherwise this "
                    + "may be a man-in-the-middle. No credentials were sent.")
        }
    }

    /// Accepts the fingerprint with or without a trailing `=` padding, and rejects anything that is not SHA256.
    /// Public so that callers can check a fingerprint they are given before they connect (the deployer's
    /// `host add --host-key-fingerprint`).
    /// - Returns: the fingerprint as `SSHSession.hostKeyFingerprint` spells it: `SHA256:` and 43 base64 characters.
    /// - Throws: `SSHError` `.invalidArgument` when it is not in `SHA256:<base64>` form.
    public static func normalize(_ fingerprint: String) throws(SSHError) -> String {
        let prefix = "SHA256:"
        var body = Substring(fingerprint.trimmingWhitespace())
        guard body.hasPrefix(prefix) else {
            throw SSHError(
                .invalidArgument,
                "pinned host key fingerprint must look like 'SHA256:<base64>' (as printed by ssh-keygen -l "
                    + "-E sha256), got \(fingerprint.debugDescription)")
        }
        body = body.dropFirst(prefix.count)
        while body.hasSuffix("=") { body = body.dropLast() }
        let base64 = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        guard body.count == 43, body.allSatisfy(base64.contains) else {
            throw SSHError(
                .invalidArgument,
                "pinned host key fingerprint \(fingerprint.debugDescription) is not 43 base64 characters "
                    + "after 'SHA256:'")
        }
        return prefix + body
    }
}
