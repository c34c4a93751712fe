import Foundation
import HostSystem
import SSH

/// Where the deployer keeps its state and finds releases, and how patient it is.
public struct DeployerConfiguration: Sendable {
    /// The inventory: a SQLite file (the default, `<data-dir>/inventory.sqlite`), or a `postgres://` URL of
    /// a database several instances share.
    public var database: String
    /// How long this instance's registration in the store lasts unless renewed (it renews every third of it):
    /// how long a dead instance on another machine holds its runs and hosts before another takes them over.
    public var instanceLease: Duration = StoreInstance.defaultLease
    /// The deployer's key, staged releases and ansible workspaces.
    public var dataDirectory: String
    /// The key that seals the secrets instances share through the store (``SecretBox``): the same file on
    /// every instance of one store, never in the store. Default `<data-dir>/secret.key`.
    public var secretKeyPath: String
    public var sources: ReleaseSources
    public var ansiblePlaybook = "ansible-playbook"
    public var sshTimeout: Duration = .seconds(15)
    public var portProbeTimeout: Duration = .seconds(5)
    public var ansibleTimeout: Duration = .seconds(1800)

    public init(dataDirectory: String, database: String? = nil, secretKeyPath: String? = nil, sources: ReleaseSources) {
        self.dataDirectory = dataDirectory
        self.database = database ?? dataDirectory + "/inventory.sqlite"
        self.secretKeyPath = secretKeyPath ?? dataDirectory + "/secret.key"
        self.sources = sources
    }

    /// The runs' ansible workspaces (`run-<id>-batch-<n>-<kind>`: inventory, extra-vars, log), kept for
    /// post-mortems as long as their run is (`runs.keep`).
    public var workDirectory: String { dataDirectory + "/work" }

    /// `$XDG_DATA_HOME/zstack-deploy`, else `~/.local/share/zstack-deploy`.
    public static var defaultDataDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let base = environment["XDG_DATA_HOME"], !base.isEmpty { return base + "/zstack-deploy" }
        return NSHomeDirectory() + "/.local/share/zstack-deploy"
    }
}

/// What a caller asks a run to do.
public enum RunRequest: Sendable {
    /// Bootstrap these hosts (key install over their password) and, unless `deploy` is false, deploy them.
    case add([HostInput], deploy: Bool)
    /// Forced redeployment of these hosts (uuid, name or address each).
    case reconnect([String])
    /// Every host whose agent files differ, in batches; nil values follow the settings.
    case upgrade(batchSize: Int?, maxFailPercent: Int?)
}

/// One line of progress, with the run's counts so far.
public struct RunProgress: Sendable {
    public var runId: Int64
    public var message: String
    public var total: Int
    public var deployed: Int
    public var skipped: Int
    public var failed: Int
}

public typealias RunObserver = @Sendable (RunProgress) -> Void

/// A run that has started: its id at once (for `GET /v1/runs/{id}`), its result when it ends.
public struct RunHandle: Sendable {
    public let id: Int64
    public let task: Task<RunDetails?, Never>

    public func result() async -> RunDetails? { await task.value }
}

/// ZStack's AnsibleRunner as a library: an inventory of hosts, and runs that decide per host whether it
/// needs its agent deployed and deploy those that do, one ansible-playbook per batch.
public final class Deployer: Sendable {
    public let configuration: DeployerConfiguration
    public let inventory: Inventory
    /// The secrets this instance shares with the others of its store: its SSH key, CA, API token and
    /// host certificates are the store's (``SharedSecrets``).
    let secrets: SharedSecrets
    let key: DeployerKey
    let ssh: SSHClient
    /// Every SSH session this deployer opened, per host (tests check that a run opens one per host).
    let sessionsOpened = SessionCounter()
    /// How many SSH sessions this deployer has opened, to any host (what a no-change pass should not add to).
    public var sshSessionsOpened: Int { sessionsOpened.total }

    public init(_ configuration: DeployerConfiguration) async throws {
        self.configuration = configuration
        inventory = try await Inventory(location: configuration.database, instanceLease: configuration.instanceLease,
                                        secretKeyPath: configuration.secretKeyPath)
        // The inventory was opened with a key file, so it has a box.
        secrets = SharedSecrets(dataDirectory: configuration.dataDirectory, box: inventory.secretBox!, backend: inventory.backend)
        key = try await secrets.start()
        ssh = SSHClient(connectTimeout: configuration.sshTimeout)
    }

    public var publicKey: String { key.publicKey }

    /// The API's bearer token, in the data directory: the one the instances of the store share, made by
    /// the first of them.
    public func apiToken() throws -> APIToken {
        try APIToken.loadOrCreate(in: configuration.dataDirectory)
    }

    var connector: HostConnector {
        HostConnector(client: ssh, key: key, timeout: configuration.sshTimeout, counter: sessionsOpened)
    }

    var releaseLoader: ReleaseLoader {
        ReleaseLoader(sources: configuration.sources, stagingRoot: configuration.dataDirectory + "/releases",
                      ansiblePlaybook: configuration.ansiblePlaybook)
    }

    /// Validates and stages the current releases (what `serve` does when the package directory changes).
    public func loadReleases() async throws -> ReleaseCatalog {
        try await releaseLoader.load()
    }

    /// Records the run and starts it; fails at once on input that names no host or is malformed.
    public func start(_ request: RunRequest, trigger: String, observer: RunObserver? = nil) async throws -> RunHandle {
        let plan = try await RunPlan.make(request, trigger: trigger, deployer: self)
        let executor = RunExecutor(deployer: self, plan: plan, observer: observer)
        let task = Task { await executor.execute() }
        return RunHandle(id: plan.run.id!, task: task)
    }

    /// Starts and waits.
    public func run(_ request: RunRequest, trigger: String, observer: RunObserver? = nil) async throws -> RunDetails {
        let handle = try await start(request, trigger: trigger, observer: observer)
        guard let details = await handle.result() else {
            throw DeployerError(.environment, "run \(handle.id) vanished from the inventory")
        }
        return details
    }

    /// The dry run: what each host needs and why, without deploying anything.
    public func check() async throws -> [(host: HostSummary, decision: HostDecision)] {
        try await secrets.pull()
        let catalog = try await loadReleases()
        let hosts = try await inventory.hosts()
        let sessions = HostSessions(connector: connector)
        let auth = try await agentAuthPlan()
        let deployment = try await AgentConnections.with(auth) { agents in
            await self.plan(hosts, forced: nil, catalog: catalog, auth: auth, sessions: sessions, agents: agents)
        }
        await sessions.closeAll()
        return deployment.entries.map { (HostSummary($0.host), $0.decision) }
    }

    /// Every host's decision (`DeploymentPlan.make`) with the settings' concurrencies.
    func plan(_ hosts: [HostRecord], forced: ForcedReason?, catalog: ReleaseCatalog, auth: AgentAuthPlan,
              sessions: HostSessions, agents: AgentConnections, firstBatchNumber: Int = 1) async -> DeploymentPlan {
        let asksAgents = (try? await inventory.setting(Setting.agentManifest.key)) != "ignore"
        return await DeploymentPlan.make(
            hosts, forced: forced, catalog: catalog, authFiles: auth.files,
            check: HostCheck(inventory: inventory, sessions: sessions, agents: agents, asksAgents: asksAgents,
                             probeTimeout: configuration.portProbeTimeout),
            concurrency: await inventory.integer(Setting.checkConcurrency),
            manifestConcurrency: await inventory.integer(Setting.manifestConcurrency), firstBatchNumber: firstBatchNumber)
    }

    public func status() async throws -> [HostSummary] {
        try await inventory.hosts().map(HostSummary.init)
    }

    /// Forgets a host. Its agent keeps running; nothing is removed from it.
    public func removeHost(_ reference: String) async throws -> HostSummary {
        guard let host = try await inventory.host(matching: reference) else {
            throw DeployerError(.notFound, "no host \(reference)")
        }
        try await inventory.removeHost(host.uuid)
        return HostSummary(host)
    }
}
