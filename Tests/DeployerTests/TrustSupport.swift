import AgentClient
import AgentTrust
@testable import Deployer
import TestSupport
import Foundation

/// A deployer of its own (no hosts, no sshd) for the CA and auth-plan tests.
struct TrustScratch {
    let directory: URL
    let deployer: Deployer

    init(_ name: String) async throws {
        directory = try Repository.temporaryDirectory("dca-\(name)")
        let empty = directory.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("data")
        deployer = try await Deployer(DeployerConfiguration(
            dataDirectory: data.path, database: try await TestStore.location("dca-\(name)", directory: data),
            sources: ReleaseSources(packageDirectory: empty, playbookDirectory: empty, extensionsDirectory: empty)))
    }

    var trust: DeployerTrust { deployer.trust }
    var caDirectory: String { directory.appendingPathComponent("data/ca").path }

    /// A host record as `host add` would have made it, without contacting anything.
    func addHost(_ address: String, uuid: String = UUID().uuidString.lowercased()) async throws -> HostRecord {
        let host = HostRecord(uuid: uuid, name: address, address: address, sshPort: 22, user: "root", kind: .kvm,
                              agentPort: 7070, become: false, hostKeyFingerprint: "SHA256:test", hostKey: "ssh-ed25519 AAAA",
                              variables: [:], addedAt: Date())
        try await deployer.inventory.insert(host)
        return host
    }

    /// Records that `host` received the bundle now current, as a successful deployment does.
    func markReceivedCurrentBundle(_ host: HostRecord) async throws {
        let plan = try await deployer.agentAuthPlan()
        try await deployer.inventory.recordDeployed(host.uuid, files: plan.files)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The permission bits of a file.
func permissions(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
}

/// `openssl verify` of a leaf against a bundle, optionally requiring an IP SAN: an independent judge of
/// what the deployer issues.
func opensslVerify(_ certificate: String, bundle: String, purpose: String, ip: String? = nil) async throws -> ProgramResult {
    var arguments = ["openssl", "verify", "-CAfile", bundle, "-purpose", purpose]
    if let ip { arguments += ["-verify_ip", ip] }
    return try await Program.run(arguments + [certificate])
}

/// The DER chain of a PEM certificate file, as a TLS peer presents it.
func derChain(ofFile path: String) throws -> [[UInt8]] {
    let pem = try String(contentsOfFile: path, encoding: .utf8)
    let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    return [Array(Data(base64Encoded: body) ?? Data())]
}

/// The deployer's post-deploy echo, as `RunExecutor.settle` makes it (one HTTPS client for the call).
func deployerEcho(_ host: HostRecord, _ plan: AgentAuthPlan, timeout: Duration = .seconds(3)) async throws {
    let result: Result<Void, any Error> = try await AgentConnections.with(plan) { agents in
        do {
            try await agents.client(for: host).waitForEcho(host.kind.echoPath, timeout: timeout)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
    try result.get()
}

/// A data directory holding a copy of `trust`'s CA files as they are now (to try an old client later).
func copyTrust(_ trust: DeployerTrust, to directory: URL) throws -> DeployerTrust {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: trust.directory.path, toPath: directory.appendingPathComponent("ca").path)
    return DeployerTrust(dataDirectory: directory.path)
}
