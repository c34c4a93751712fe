import AgentClient
import AgentWire
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
/// what *this host* last received (not a one-shot global flag), and what runs is asked of the agent first.
/// Two steps: `firstLook` needs no SSH (the inventory, then the agent's `/agent/manifest` over mutual TLS);
/// `decide` settles the rest over SSH (the port probe and one `md5sum` of every agent file), so that a
/// host whose agent proves its release opens no SSH session at all.
struct HostCheck: Sendable {
    var inventory: Inventory
    /// The run's sessions: the one this check opens is the one the rest of the run uses for the host.
    var sessions: HostSessions
    /// The pass's one HTTP(S) client for the agents.
    var agents: AgentConnections
    /// False: every host is checked over SSH (`check.agentManifest` is `ignore`). The manifest is asked
    /// only over mutual TLS in any case.
    var asksAgents: Bool
    var probeTimeout: Duration

    /// What the SSH-free step found.
    enum FirstLook: Sendable, Equatable {
        case decided(HostDecision)
        /// To deploy, for this reason, once SSH proves the host reachable.
        case deploy(String)
        /// The agent did not prove its release: the SSH check decides. `why`: why the manifest did not
        /// settle it, nil when it was not asked (plain HTTP, or `check.agentManifest ignore`).
        case verify(why: String?)
    }

    /// `authFiles`: what the host receives beyond the release (its CA bundle, its auth mode), compared with
    /// what it last received like the release's own files. `recorded`: what the inventory says the host
    /// last received (read for the whole pass at once).
    func firstLook(_ host: HostRecord, release: AgentRelease?, forced: String?, recorded: [String: String],
                   authFiles: [String: String] = [:]) async -> FirstLook {
        guard let release else {
            return .decided(.fail("no \(host.kind.agentName) package to deploy"))
        }
        if let forced { return .deploy(forced) }
        if recorded.isEmpty { return .deploy(host.deployedVersion == nil ? "new host" : "not deployed since its last failure") }
        let expected = release.files.merging(authFiles) { release, _ in release }
        let changed = expected.filter { recorded[$0.key] != $0.value }.keys.sorted()
        let removed = recorded.keys.filter { expected[$0] == nil }.sorted()
        if !changed.isEmpty || !removed.isEmpty {
            let names = (changed + removed.map { "\($0) (removed)" }).map(Self.shortName)
            return .deploy("changed since last deploy: \(names.joined(separator: ", "))")
        }
        // Only an agent that proved who it is may answer for its host: over plain HTTP anyone holding the
        // address and port could claim any manifest, so those hosts keep the SSH check (md5sum over a
        // session whose host key is pinned).
        guard asksAgents, agents.authenticatesAgents else { return .verify(why: nil) }
        let manifest: AgentManifest
        do {
            manifest = try await agents.client(for: host).manifest(timeout: probeTimeout)
        } catch {
            return .verify(why: "agent manifest unavailable: \(error)")
        }
        if let difference = release.difference(from: manifest) {
            return .verify(why: "agent manifest differs: \(difference)")
        }
        return .decided(.skip("agent manifest matches"))
    }

    /// The SSH step, for what `firstLook` left open. Deployments go only to hosts SSH reaches with the
    /// pinned key: a clear reason now beats an "UNREACHABLE" from ansible later.
    func decide(_ host: HostRecord, release: AgentRelease?, after look: FirstLook) async -> HostDecision {
        switch look {
        case .decided(let decision):
            return decision
        case .deploy(let reason):
            return await withSession(host) { _ in .deploy(reason) }
        case .verify(let why):
            guard let release else { return .fail("no \(host.kind.agentName) package to deploy") }
            return await withSession(host) { session in
                let decision = await verify(host, release: release, session: session)
                return why.map { HostDecision(decision.verdict, reason: "\(decision.reason) (\($0))") } ?? decision
            }
        }
    }

    /// `body` with the host's session; a host SSH does not reach fails with the reason.
    private func withSession(_ host: HostRecord, _ body: (SSHSession) async -> HostDecision) async -> HostDecision {
        let session: SSHSession
        do {
            session = try await sessions.session(for: host)
        } catch {
            return .fail("ssh \(host.user)@\(host.address):\(host.sshPort): \(error)")
        }
        return await body(session)
    }

    private func verify(_ host: HostRecord, release: AgentRelease, session: SSHSession) async -> HostDecision {
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
