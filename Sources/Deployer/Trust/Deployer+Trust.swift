import HostSystem
import Foundation

extension Deployer {
    /// The deployer's CA in `<data-dir>/ca/`.
    public var trust: DeployerTrust { DeployerTrust(dataDirectory: configuration.dataDirectory) }

    /// `ca init`, shared with the other instances of the store: refused when one of them made a CA already
    /// (pulled first), or makes one at the same moment (the change is based on no CA; see ``SharedSecrets``).
    public func initializeCA() async throws {
        try await secrets.pull()
        let trust = self.trust
        try await secrets.change([caGroup]) { try trust.initialize() }
    }

    /// The CA's files as the instances share them.
    var caGroup: SecretGroup { .authority(in: configuration.dataDirectory) }

    /// The `agent.auth` setting resolved against the CA, for one run.
    func agentAuthPlan() async throws -> AgentAuthPlan {
        try AgentAuthPlan.resolve(setting: await inventory.setting(Setting.agentAuth.key), trust: trust)
    }

    /// `ca show`: the CA, bundle, client certificate and, during a rotation, how many hosts are done.
    public func trustSummary() async throws -> TrustSummary {
        var summary = try trust.summary()
        if summary.rotation != nil {
            let hosts = try await inventory.hosts().count
            summary.rotation?.hosts = hosts
            summary.rotation?.hostsDone = hosts - (try await hostsWithoutCurrentBundle().count)
        }
        return summary
    }

    /// The hosts that have not received the current bundle: it is recorded for a host only when its
    /// deployment succeeded and its agent answered the echo over TLS.
    func hostsWithoutCurrentBundle() async throws -> [HostRecord] {
        let bundle = FileDigest.md5(of: Array(try trust.bundle().utf8))
        let received = try await inventory.deployedFiles()
        return try await inventory.hosts().filter { received[$0.uuid]?[AgentAuthPlan.bundleFile] != bundle }
    }
}
