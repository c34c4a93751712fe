import SSH
import Synchronization

/// SSH to managed hosts with what the inventory knows: their pinned host key and their credential. Every
/// SSH session the deployer opens to a host goes through here and is counted.
struct HostConnector: Sendable {
    var client: SSHClient
    var key: DeployerKey
    var timeout: Duration
    var counter: SessionCounter

    /// Logs in with the host's key (the deployer's own unless the host names one), the host key pinned.
    /// A host with a stored password whose key no longer works gets the key installed again.
    func connect(_ host: HostRecord) async throws -> SSHSession {
        let pin = HostKeyPolicy.pinned(fingerprint: host.hostKeyFingerprint)
        do {
            return try await open(host, credential: try credential(for: host), hostKey: pin)
        } catch let error as SSHError where error.code == .authenticationFailed && host.password != nil {
            let session = try await open(host, credential: .password(user: host.user, password: host.password!), hostKey: pin)
            try await KeyBootstrap.install(key.publicKey, over: session)
            return session
        }
    }

    /// A login with a credential and host-key policy of the caller's (the bootstrap's first contact).
    func open(_ host: HostRecord, credential: SSHCredential, hostKey: HostKeyPolicy) async throws -> SSHSession {
        let session = try await client.connect(host: host.address, port: host.sshPort, credential: credential,
                                               hostKey: hostKey, timeout: timeout)
        counter.opened(host.uuid)
        return session
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

/// How many SSH sessions were opened to each host (by uuid) since the deployer started: what shows that a
/// run opens one per host.
final class SessionCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func opened(_ uuid: String) {
        counts.withLock { $0[uuid, default: 0] += 1 }
    }

    func count(_ uuid: String) -> Int {
        counts.withLock { $0[uuid] ?? 0 }
    }

    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
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
