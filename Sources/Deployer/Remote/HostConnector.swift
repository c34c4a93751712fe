import SSH

/// SSH to managed hosts with what the inventory knows: their pinned host key and their credential.
struct HostConnector: Sendable {
    var client: SSHClient
    var key: DeployerKey
    var timeout: Duration

    /// Logs in with the host's key (the deployer's own unless the host names one), the host key pinned.
    /// A host with a stored password whose key no longer works gets the key installed again.
    func connect(_ host: HostRecord) async throws -> SSHSession {
        let pin = HostKeyPolicy.pinned(fingerprint: host.hostKeyFingerprint)
        do {
            return try await client.connect(host: host.address, port: host.sshPort, credential: try credential(for: host),
                                            hostKey: pin, timeout: timeout)
        } catch let error as SSHError where error.code == .authenticationFailed && host.password != nil {
            let session = try await client.connect(
                host: host.address, port: host.sshPort,
                credential: .password(user: host.user, password: host.password!), hostKey: pin, timeout: timeout)
            try await KeyBootstrap.install(key.publicKey, over: session)
            return session
        }
    }

    private func credential(for host: HostRecord) throws -> SSHCredential {
        if let path = host.privateKeyPath {
            return .privateKey(user: host.user, key: .file(path: path))
        }
        return .privateKey(user: host.user, keyText: try key.privateKeyText())
    }

    /// Runs argv on the host, through sudo when the host's login is not root.
    static func exec(_ argv: [String], on session: SSHSession, host: HostRecord, timeout: Duration = .seconds(30))
        async throws -> ExecResult
    {
        try await session.exec(host.become ? ["sudo", "-n", "--"] + argv : argv, timeout: timeout, maxOutputBytes: 1 << 20)
    }
}

/// Installs the deployer's public key for the login user, idempotently: ZStack's setupPublicKey script,
/// with the key passed on stdin instead of being pasted into the script.
enum KeyBootstrap {
    static let script = """
        umask 077
        mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" || exit 1
        [ -f "$HOME/.ssh/authorized_keys" ] || touch "$HOME/.ssh/authorized_keys" || exit 1
        IFS= read -r key || exit 1
        grep -qxF -- "$key" "$HOME/.ssh/authorized_keys" || printf '%s\\n' "$key" >> "$HOME/.ssh/authorized_keys" || exit 1
        chmod 600 "$HOME/.ssh/authorized_keys"
        if [ -x /sbin/restorecon ]; then /sbin/restorecon "$HOME/.ssh" "$HOME/.ssh/authorized_keys"; fi
        exit 0
        """

    static func install(_ publicKey: String, over session: SSHSession) async throws {
        let result = try await session.exec(["sh", "-c", script], input: Array((publicKey + "\n").utf8),
                                            timeout: .seconds(30))
        guard result.succeeded else {
            throw DeployerError(.environment,
                                "installing the deployer's key on \(session.host) failed: \(result.stderrText.suffix(300))")
        }
    }
}
