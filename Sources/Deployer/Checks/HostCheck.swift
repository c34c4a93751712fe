import SSH

/// What a host needs, and why.
public enum HostDecision: Sendable, Equatable {
    case deploy(String)
    case skip(String)
    /// The host cannot be checked or reached (SSH refused, host key changed, no package for its kind).
    case fail(String)

    /// The decision without its reason, as the inventory stores it (`runHost.decision`).
    public enum Verdict: String, Codable, Sendable, CaseIterable {
        case deploy, skip, fail
    }

    public init(_ verdict: Verdict, reason: String) {
        switch verdict {
        case .deploy: self = .deploy(reason)
        case .skip: self = .skip(reason)
        case .fail: self = .fail(reason)
        }
    }

    public var reason: String {
        switch self {
        case .deploy(let reason), .skip(let reason), .fail(let reason): reason
        }
    }

    public var verdict: Verdict {
        switch self {
        case .deploy: .deploy
        case .skip: .skip
        case .fail: .fail
        }
    }
}

/// ZStack's isNeedRun, per host and in the same order, with its flaws fixed: "changed" is judged against
/// what *this host* last received (not a one-shot global flag), and the remote MD5s of all agent files
/// come back from one SSH exec.
struct HostCheck: Sendable {
    var inventory: Inventory
    /// The run's sessions: the one this check opens is the one the rest of the run uses for the host.
    var sessions: HostSessions
    var probeTimeout: Duration

    /// `authFiles`: what the host receives beyond the release (its CA bundle, its auth mode), compared with
    /// what it last received like the release's own files.
    func decide(_ host: HostRecord, release: AgentRelease?, forced: String?, authFiles: [String: String] = [:]) async -> HostDecision {
        guard let release else {
            return .fail("no \(host.kind.agentName) package to deploy")
        }
        let recorded = (try? inventory.deployedFiles(of: host.uuid)) ?? [:]
        // Deployments go only to hosts SSH reaches with the pinned key: a clear reason now beats an
        // "UNREACHABLE" from ansible later.
        let session: SSHSession
        do {
            session = try await sessions.session(for: host)
        } catch {
            return .fail("ssh \(host.user)@\(host.address):\(host.sshPort): \(error)")
        }
        let expected = release.files.merging(authFiles) { release, _ in release }
        return await decide(host, release: release, expected: expected, forced: forced, recorded: recorded,
                            session: session)
    }

    private func decide(_ host: HostRecord, release: AgentRelease, expected: [String: String], forced: String?,
                        recorded: [String: String], session: SSHSession) async -> HostDecision {
        if let forced { return .deploy(forced) }
        if recorded.isEmpty { return .deploy(host.deployedVersion == nil ? "new host" : "not deployed since its last failure") }
        let changed = expected.filter { recorded[$0.key] != $0.value }.keys.sorted()
        let removed = recorded.keys.filter { expected[$0] == nil }.sorted()
        if !changed.isEmpty || !removed.isEmpty {
            let names = (changed + removed.map { "\($0) (removed)" }).map(Self.shortName)
            return .deploy("changed since last deploy: \(names.joined(separator: ", "))")
        }
        if await !PortProbe.isOpen(host: host.address, port: host.agentPort, timeout: probeTimeout) {
            return .deploy("agent port \(host.agentPort) closed")
        }
        let files = release.remoteFiles(on: host)
        let result: ExecResult
        do {
            result = try await HostConnector.exec(["md5sum", "--"] + files.map(\.path), on: session, host: host)
        } catch {
            return .fail("md5sum over ssh on \(host.address): \(error)")
        }
        let remote = FileMD5.parse(result.stdoutText)
        let differing = files.filter { remote[$0.path] != $0.md5 }.map(\.path)
        if !differing.isEmpty {
            return .deploy("remote md5 differs: \(differing.joined(separator: ", "))")
        }
        return .skip("port open, md5 match")
    }

    private static func shortName(_ name: String) -> String {
        guard let slash = name.firstIndex(of: "/") else { return name }
        return String(name[name.index(after: slash)...])
    }
}
