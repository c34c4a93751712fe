import ArgumentParser
import Deployer

struct ReconnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconnect", abstract: "Redeploy the agent on hosts, whatever their state (ZStack's ReconnectHost).")
    @OptionGroup var options: DeployOptions
    @Argument(help: "Host uuids, names or addresses.") var hosts: [String] = []
    @Flag(help: "Every host.") var all = false
    @Flag(help: "Print the run as JSON.") var json = false

    func validate() throws {
        if hosts.isEmpty == !all { throw ValidationError("give host(s) or --all, not both") }
    }

    func run() async throws {
        let deployer = try await options.deployer()
        let targets = all ? try await deployer.status().map(\.uuid) : hosts
        try await runWithProgress(deployer, .reconnect(targets), json: json)
    }
}

struct UpgradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Roll the current releases out to every host that differs, batch by batch; resumes a stopped or interrupted upgrade.")
    @OptionGroup var options: DeployOptions
    @Flag(help: "Every host (required: upgrades are fleet-wide).") var all = false
    @Option(help: "Hosts per batch (default: setting upgrade.batchSize, re-read before each batch).") var batchSize: Int?
    @Option(help: "Stop when a batch has more failures than this percentage (default: setting upgrade.maxFailPercent).")
    var maxFailPercent: Int?
    @Flag(help: "Print the run as JSON.") var json = false

    func validate() throws {
        guard all else { throw ValidationError("upgrade works on the whole fleet: pass --all") }
    }

    func run() async throws {
        try await runWithProgress(try await options.deployer(),
                                  .upgrade(batchSize: batchSize, maxFailPercent: maxFailPercent), json: json)
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Dry run: what would be deployed, and why; nothing is changed.")
    @OptionGroup var options: DeployOptions
    @Flag(help: "JSON output.") var json = false

    struct Entry: Encodable {
        var host: HostSummary
        var decision: String
        var reason: String
    }

    func run() async throws {
        let decisions = try await options.deployer().check()
        let entries = decisions.map { host, decision in
            Entry(host: host, decision: decision.verdict.rawValue, reason: decision.reason)
        }
        if json {
            print(try encodeJSON(entries))
            return
        }
        printTable(["HOST", "KIND", "ADDRESS", "DECISION", "REASON"], entries.map {
            [$0.host.name, $0.host.kind.rawValue, "\($0.host.address):\($0.host.sshPort)", $0.decision, $0.reason]
        })
    }
}
