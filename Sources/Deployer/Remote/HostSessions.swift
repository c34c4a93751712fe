import SSH

/// The SSH sessions of one run (or one dry run): at most one per host, opened on first use and reused by
/// every exec of the run on that host (the check's md5sum, the cleanup of a failed deployment, its
/// diagnostics). A login that failed is not tried again in the same run: its error is the answer.
/// Ansible's own ssh connections are not among these.
///
/// Ownership: the sessions are closed by `finish(_:)` once the run is done with a host (so that a large
/// run does not hold a socket per host it skipped) and by `closeAll()` when the run ends.
actor HostSessions {
    private let connector: HostConnector
    /// A login under way is shared: two callers asking at once get the same session.
    private var sessions: [String: Task<SSHSession, any Error>] = [:]

    init(connector: HostConnector) {
        self.connector = connector
    }

    func session(for host: HostRecord) async throws -> SSHSession {
        if let login = sessions[host.uuid] { return try await login.value }
        let connector = connector
        let login = Task { try await connector.connect(host) }
        sessions[host.uuid] = login
        return try await login.value
    }

    /// Takes a session opened elsewhere in the run (the bootstrap's login) as the host's session.
    func adopt(_ session: SSHSession, for uuid: String) {
        sessions[uuid] = Task { session }
    }

    /// Runs argv on the host over its session (through sudo when the login is not root).
    func exec(_ argv: [String], on host: HostRecord) async throws -> ExecResult {
        try await HostConnector.exec(argv, on: try await session(for: host), host: host)
    }

    /// The run is done with this host: its session is closed.
    func finish(_ uuid: String) async {
        guard let login = sessions.removeValue(forKey: uuid) else { return }
        await (try? login.value)?.close()
    }

    func closeAll() async {
        for uuid in Array(sessions.keys) { await finish(uuid) }
    }
}
