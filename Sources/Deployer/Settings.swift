/// The global settings stored with the inventory (`zstack-deploy config set KEY VALUE`). Read when they
/// are used, so a change made while a run goes on applies from its next batch.
public enum Setting: Sendable {
    public struct Definition: Sendable {
        public let key: String
        public let defaultValue: String
        public let help: String
        let validate: @Sendable (String) -> String?
    }

    public static let batchSize = Definition(
        key: "upgrade.batchSize", defaultValue: "1000", help: "hosts deployed at a time in an upgrade",
        validate: integer(in: 1...100_000))
    public static let maxFailPercent = Definition(
        key: "upgrade.maxFailPercent", defaultValue: "10",
        help: "an upgrade stops after a batch in which more than this percentage of hosts failed",
        validate: integer(in: 0...100))
    public static let checkConcurrency = Definition(
        key: "check.concurrency", defaultValue: "100",
        help: "hosts checked over SSH (port probe, remote MD5) at once, after their agents' manifests",
        validate: integer(in: 1...10_000))
    public static let manifestConcurrency = Definition(
        key: "check.manifestConcurrency", defaultValue: "256",
        help: "agents asked for their manifest (one HTTP(S) request each, before any SSH) at once",
        validate: integer(in: 1...10_000))
    public static let agentManifest = Definition(
        key: "check.agentManifest", defaultValue: "use",
        help: "use: a host whose agent's manifest proves its release over mutual TLS is skipped without SSH; "
            + "ignore: every host is checked over SSH (which also sees files the agent does not run, such as the "
            + "installed init script, and a changed host key)",
        validate: oneOf(["use", "ignore"]))
    public static let forks = Definition(
        key: "ansible.forks", defaultValue: "100", help: "ansible forks (hosts worked on at once) per batch",
        validate: integer(in: 1...1000))
    public static let pushConcurrency = Definition(
        key: "push.concurrency", defaultValue: "10",
        help: "hosts a batch's tarball is pushed to (over SFTP, before ansible) at once", validate: integer(in: 1...1000))
    public static let echoTimeout = Definition(
        key: "agent.echoTimeoutSeconds", defaultValue: "60",
        help: "how long to wait for a deployed agent to answer its echo", validate: integer(in: 1...3600))

    public static let agentAuth = Definition(
        key: "agent.auth", defaultValue: "auto",
        help: "how agents authenticate callers: mtls (certificates from `zstack-deploy ca`), none (--auth none), "
            + "auto (mtls once `ca init` has run, else the agent's default)",
        validate: oneOf(["auto", "mtls", "none"]))

    public static let runsKeep = Definition(
        key: "runs.keep", defaultValue: "200",
        help: "runs kept (with their ansible workspaces) after each run; running and resumable ones always are",
        validate: integer(in: 1...1_000_000))

    public static let all = [batchSize, maxFailPercent, checkConcurrency, manifestConcurrency, agentManifest, forks,
                             pushConcurrency, echoTimeout, runsKeep, agentAuth]

    /// What the API shows for a value that may hold a secret (an extra-var can be a password or a token).
    public static let masked = "******"

    /// A setting as the API returns it: `ansible.var.*` values masked, the deployer's own settings as they are.
    public static func shown(key: String, value: String) -> String {
        key.hasPrefix(ansibleVariablePrefix) ? masked : value
    }

    public static func shown(_ settings: [String: String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: settings.map { ($0.key, shown(key: $0.key, value: $0.value)) })
    }

    /// `ansible.var.<name>`: an extra-var given to every playbook run (ZStack's `Ansible.var.*`).
    public static let ansibleVariablePrefix = "ansible.var."

    /// Checks a key and value; returns the error to show, or nil.
    public static func problem(key: String, value: String) -> String? {
        if key.hasPrefix(ansibleVariablePrefix) {
            let name = String(key.dropFirst(ansibleVariablePrefix.count))
            // Extra-vars beat the inventory: agent_auth and agent_tls_* would override what agent.auth makes
            // the deployer push (its echo would then speak the wrong protocol); the allow-list refuses them.
            return PlaybookVariables.problem(name: name, value: value)
        }
        guard let definition = all.first(where: { $0.key == key }) else {
            let known = (all.map(\.key) + ["\(ansibleVariablePrefix)<name>"]).joined(separator: ", ")
            return "unknown setting '\(key)'; known: \(known)"
        }
        return definition.validate(value).map { "\(key): \($0)" }
    }

    private static func oneOf(_ values: [String]) -> @Sendable (String) -> String? {
        { value in values.contains(value) ? nil : "expected one of \(values.joined(separator: ", ")), got '\(value)'" }
    }

    private static func integer(in range: ClosedRange<Int>) -> @Sendable (String) -> String? {
        { value in
            guard let number = Int(value), range.contains(number) else {
                return "expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(value)'"
            }
            return nil
        }
    }
}

extension Inventory {
    /// A numeric setting's current value (its default when unset or unreadable).
    public func integer(_ definition: Setting.Definition) async -> Int {
        let stored = (try? await setting(definition.key)) ?? nil
        return stored.flatMap(Int.init) ?? Int(definition.defaultValue)!
    }

    /// The `ansible.var.*` settings as extra-vars; only allowed ones, should the store hold others from
    /// before the allow-list.
    func ansibleVariables() async throws -> [String: String] {
        var variables: [String: String] = [:]
        for (key, value) in try await settings() where key.hasPrefix(Setting.ansibleVariablePrefix) {
            variables[String(key.dropFirst(Setting.ansibleVariablePrefix.count))] = value
        }
        return PlaybookVariables.filtered(variables)
    }
}
