import HostSystem
import AgentTrust
import Foundation

/// How this run's agents are to authenticate their callers, fixed when the run starts (a rotation step
/// between runs cannot change it under a batch): the `agent.auth` setting resolved against the CA.
struct AgentAuthPlan: Sendable {
    enum Mode: Sendable {
        /// `agent.auth` = auto without a CA: the agent gets no --auth flag and keeps its default.
        case unset
        /// `agent.auth` = none: `--auth none`, nothing TLS pushed.
        case none
        /// Server certificate per host, the CA bundle, and the deployer's client certificate for the echo.
        case mutualTLS(MutualTLS)
    }

    struct MutualTLS: Sendable {
        var trust: DeployerTrust
        var issuer: CertificateAuthority
        var bundlePEM: String
    }

    let mode: Mode

    /// Name of the bundle in what a host received: a new bundle (rotation) redeploys every host.
    static let bundleFile = "tls/ca-bundle.pem"
    static let authFile = "tls/auth"

    static func resolve(setting: String?, trust: DeployerTrust) throws -> AgentAuthPlan {
        switch setting ?? Setting.agentAuth.defaultValue {
        case "none":
            return AgentAuthPlan(mode: .none)
        case "mtls":
            guard trust.exists else {
                throw DeployerError(.environment, "agent.auth is mtls but the deployer has no CA: run `zstack-deploy ca init`")
            }
            return try mutualTLS(trust)
        default:
            return trust.exists ? try mutualTLS(trust) : AgentAuthPlan(mode: .unset)
        }
    }

    private static func mutualTLS(_ trust: DeployerTrust) throws -> AgentAuthPlan {
        let tls = MutualTLS(trust: trust, issuer: try trust.issuingAuthority(), bundlePEM: try trust.bundle())
        // An unusable client certificate refuses the run before any host is touched, rather than failing
        // every host's echo after ansible has restarted its agent.
        _ = try AgentConnections.configuration(tls)
        return AgentAuthPlan(mode: .mutualTLS(tls))
    }

    /// What a host receives beyond its release, recorded with the release's files: a change of bundle or
    /// of mode redeploys the host. Empty in the unset mode, so that hosts deployed before auth existed
    /// are not redeployed for nothing.
    var files: [String: String] {
        switch mode {
        case .unset: [:]
        case .none: [Self.authFile: "none"]
        case .mutualTLS(let tls): [Self.authFile: "mtls", Self.bundleFile: FileDigest.md5(of: Array(tls.bundlePEM.utf8))]
        }
    }

    /// Writes the host's TLS files into the batch's workspace (never the package directory) and returns
    /// the inventory variables that point the playbook at them. `reissue`: a new certificate (reconnect).
    func stage(_ host: HostRecord, workspace: String, reissue: Bool) throws -> [String: String] {
        switch mode {
        case .unset:
            return [:]
        case .none:
            return ["agent_auth": "none"]
        case .mutualTLS(let tls):
            let folder = "\(workspace)/tls/\(host.uuid)"
            do {
                // 0700 before anything goes in: the key is private from its creation on.
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                try tls.bundlePEM.write(toFile: folder + "/ca-bundle.pem", atomically: true, encoding: .utf8)
            } catch {
                throw DeployerError(.environment, "cannot stage TLS files in \(folder): \(error.localizedDescription)")
            }
            let certificate = try HostCertificates(directory: tls.trust.directory)
                .certificate(for: host, issuer: tls.issuer, reissue: reissue)
            try DeployerTrust.wrap { try certificate.write(certificateTo: folder + "/agent.crt", keyTo: folder + "/agent.key") }
            return ["agent_auth": "mtls", "agent_tls_cert": folder + "/agent.crt", "agent_tls_key": folder + "/agent.key",
                    "agent_tls_ca": folder + "/ca-bundle.pem"]
        }
    }

    /// Workspaces are kept for post-mortems; keys are not post-mortem material.
    func removeStagedKeys(workspace: String) {
        guard case .mutualTLS = mode, let hosts = try? FileManager.default.contentsOfDirectory(atPath: workspace + "/tls") else {
            return
        }
        for uuid in hosts {
            try? FileManager.default.removeItem(atPath: "\(workspace)/tls/\(uuid)/agent.key")
        }
    }
}
