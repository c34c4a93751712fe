import AgentTrust
@testable import Deployer
import HostSystem
import TestSupport
import Foundation
import Testing

/// The deployer's CA without hosts: `ca init`, the auth plan a run gets from `agent.auth`, the per-host
/// server certificates staged for ansible, and the rotation's state machine.
@Suite struct DeployerTrustTests {
    @Test func initCreatesAPrivateCAAndClientAndRefusesASecondOne() async throws {
        let scratch = try await TrustScratch("init")
        defer { scratch.remove() }
        #expect(!scratch.trust.exists)
        try scratch.trust.initialize()
        #expect(scratch.trust.exists)
        #expect(try permissions(scratch.caDirectory) == 0o700)
        #expect(try permissions(scratch.caDirectory + "/ca.key") == 0o600)
        #expect(try permissions(scratch.caDirectory + "/client.key") == 0o600)

        let summary = try await scratch.deployer.trustSummary()
        #expect(summary.authority.subject.hasPrefix("CN=zstack-deploy CA "))
        #expect(summary.bundle.map(\.fingerprint) == [summary.authority.fingerprint])
        #expect(summary.client.issuer == summary.authority.subject)
        #expect(summary.clientCertificatePath == scratch.caDirectory + "/client.crt")
        #expect(summary.rotation == nil)
        // The client certificate is what agents accept from the management side.
        let bundle = try TrustStore.load(path: summary.bundlePath)
        #expect(await bundle.verify(chain: try derChain(ofFile: summary.clientCertificatePath), usage: .client)
            == .trusted(subject: summary.client.subject))

        let again = #expect(throws: DeployerError.self) { try scratch.trust.initialize() }
        #expect(again?.message.contains("ca rotate") == true)
        #expect(try await scratch.deployer.trustSummary().authority.fingerprint == summary.authority.fingerprint)
    }

    @Test func authPlanFollowsTheSettingAndTheCA() async throws {
        let scratch = try await TrustScratch("auth")
        defer { scratch.remove() }
        let host = try await scratch.addHost("127.0.66.9")
        let workspace = scratch.directory.appendingPathComponent("work").path
        let inventory = scratch.deployer.inventory

        // No CA, no setting: nothing is pushed and nothing is recorded (hosts deployed before auth existed
        // are not redeployed for it).
        var plan = try await scratch.deployer.agentAuthPlan()
        #expect(plan.files.isEmpty)
        #expect(try plan.stage(host, workspace: workspace, reissue: false).isEmpty)

        try await inventory.setSetting(Setting.agentAuth.key, "mtls")
        let missing = await #expect(throws: DeployerError.self) { try await scratch.deployer.agentAuthPlan() }
        #expect(missing?.message.contains("zstack-deploy ca init") == true)

        try await inventory.setSetting(Setting.agentAuth.key, "none")
        plan = try await scratch.deployer.agentAuthPlan()
        #expect(plan.files == ["tls/auth": "none"])
        #expect(try plan.stage(host, workspace: workspace, reissue: false) == ["agent_auth": "none"])

        try scratch.trust.initialize()
        #expect(try await scratch.deployer.agentAuthPlan().files == ["tls/auth": "none"], "an explicit none wins over the CA")
        try await inventory.setSetting(Setting.agentAuth.key, nil)
        plan = try await scratch.deployer.agentAuthPlan()
        let bundle = try String(contentsOfFile: scratch.trust.bundlePath, encoding: .utf8)
        #expect(plan.files == ["tls/auth": "mtls", "tls/ca-bundle.pem": FileDigest.md5(of: Array(bundle.utf8))])
        #expect(Setting.problem(key: "agent.auth", value: "token") != nil)
        #expect(Setting.problem(key: "agent.auth", value: "mtls") == nil)
        #expect(Setting.problem(key: "ansible.var.agent_auth", value: "none")?.contains("agent.auth") == true,
                "an extra-var cannot override what the deployer pushes")

        // An unusable client certificate refuses the run up front, not host by host after ansible.
        try FileManager.default.removeItem(atPath: scratch.trust.clientKeyPath)
        let unusable = await #expect(throws: DeployerError.self) { try await scratch.deployer.agentAuthPlan() }
        #expect(unusable?.kind == .environment)
        #expect(unusable?.message.contains("client.crt") == true)
    }

    @Test func stagedServerCertificateIsForTheHostAddressAndReusedUntilReissued() async throws {
        let scratch = try await TrustScratch("stage")
        defer { scratch.remove() }
        try scratch.trust.initialize()
        let host = try await scratch.addHost("127.0.66.9")
        let workspace = scratch.directory.appendingPathComponent("work/run-1-batch-1-kvm").path
        let plan = try await scratch.deployer.agentAuthPlan()

        let variables = try plan.stage(host, workspace: workspace, reissue: false)
        let folder = "\(workspace)/tls/\(host.uuid)"
        #expect(variables == ["agent_auth": "mtls", "agent_tls_cert": folder + "/agent.crt",
                              "agent_tls_key": folder + "/agent.key", "agent_tls_ca": folder + "/ca-bundle.pem"])
        #expect(!folder.hasPrefix(scratch.directory.appendingPathComponent("empty").path), "never in the package directory")
        #expect(try permissions(folder) == 0o700)
        #expect(try permissions(folder + "/agent.key") == 0o600)
        #expect(try String(contentsOfFile: folder + "/ca-bundle.pem", encoding: .utf8)
            == String(contentsOfFile: scratch.trust.bundlePath, encoding: .utf8))
        // openssl agrees: a server certificate of the CA, for the host's address and no other.
        let good = try await opensslVerify(folder + "/agent.crt", bundle: folder + "/ca-bundle.pem", purpose: "sslserver", ip: host.address)
        #expect(good.status == 0, "\(good.transcript)")
        #expect(try await opensslVerify(folder + "/agent.crt", bundle: folder + "/ca-bundle.pem", purpose: "sslserver", ip: "127.0.66.10").status != 0)
        #expect(try await opensslVerify(folder + "/agent.crt", bundle: folder + "/ca-bundle.pem", purpose: "sslclient").status != 0)
        let subject = try await Program.check(["openssl", "x509", "-noout", "-subject", "-in", folder + "/agent.crt"]).output
        #expect(subject.contains(host.uuid), "CN = the host's uuid")

        // Another deployment reuses it (no restart for nothing); reconnect and a new address do not.
        let first = try String(contentsOfFile: folder + "/agent.crt", encoding: .utf8)
        _ = try plan.stage(host, workspace: workspace, reissue: false)
        #expect(try String(contentsOfFile: folder + "/agent.crt", encoding: .utf8) == first)
        _ = try plan.stage(host, workspace: workspace, reissue: true)
        let reissued = try String(contentsOfFile: folder + "/agent.crt", encoding: .utf8)
        #expect(reissued != first)
        var moved = host
        moved.address = "127.0.66.10"
        _ = try plan.stage(moved, workspace: workspace, reissue: false)
        #expect(try String(contentsOfFile: folder + "/agent.crt", encoding: .utf8) != reissued)
        #expect(try await opensslVerify(folder + "/agent.crt", bundle: folder + "/ca-bundle.pem", purpose: "sslserver", ip: "127.0.66.10").status == 0)

        // The workspace keeps certificates for post-mortems, not keys.
        plan.removeStagedKeys(workspace: workspace)
        #expect(!FileManager.default.fileExists(atPath: folder + "/agent.key"))
        #expect(FileManager.default.fileExists(atPath: folder + "/agent.crt"))
        #expect(try permissions(scratch.caDirectory + "/hosts/\(host.uuid)/agent.key") == 0o600)
    }

    @Test func rotationSpreadsOldPlusNewThenSwitchesTheClientThenDropsTheOld() async throws {
        let scratch = try await TrustScratch("rotate")
        defer { scratch.remove() }
        try scratch.trust.initialize()
        var hosts: [HostRecord] = []
        for address in ["127.0.66.21", "127.0.66.22"] { hosts.append(try await scratch.addHost(address)) }
        for host in hosts { try await scratch.markReceivedCurrentBundle(host) }
        #expect(try await scratch.deployer.hostsWithoutCurrentBundle().isEmpty)
        let old = try await scratch.deployer.trustSummary()
        let oldClient = try derChain(ofFile: old.clientCertificatePath)
        let oldOnly = try TrustStore(pemBundle: scratch.trust.currentAuthority().certificatePEM)

        // Phase 1: a new CA issues; the bundle is old+new; the client is still the old CA's, which every
        // host, done or not, trusts.
        let spreading = try scratch.trust.beginRotation()
        #expect(spreading.phase == .spreading)
        var summary = try await scratch.deployer.trustSummary()
        #expect(summary.authority.fingerprint != old.authority.fingerprint)
        #expect(summary.bundle.map(\.fingerprint) == [old.authority.fingerprint, summary.authority.fingerprint])
        #expect(summary.client.fingerprint == old.client.fingerprint)
        #expect(summary.rotation?.phase == .spreading)
        #expect(summary.rotation?.previousAuthority.fingerprint == old.authority.fingerprint)
        #expect(summary.rotation?.hostsDone == 0 && summary.rotation?.hosts == 2)
        #expect(try await scratch.deployer.hostsWithoutCurrentBundle().count == 2, "a new bundle: every host is to be redeployed")
        #expect(abs(try scratch.trust.beginRotation().startedAt.timeIntervalSince(spreading.startedAt)) < 1, "begin again resumes")
        // Server certificates now come from the new CA.
        let host = hosts[0]
        let workspace = scratch.directory.appendingPathComponent("work/w1").path
        _ = try await scratch.deployer.agentAuthPlan().stage(host, workspace: workspace, reissue: false)
        let newOnly = try TrustStore(pemBundle: scratch.trust.issuingAuthority().certificatePEM)
        let serverChain = try derChain(ofFile: "\(workspace)/tls/\(host.uuid)/agent.crt")
        #expect(await newOnly.verify(chain: serverChain, usage: .server) == .trusted(subject: "CN=\(host.uuid)"))

        for host in hosts { try await scratch.markReceivedCurrentBundle(host) }
        #expect(try await scratch.deployer.trustSummary().rotation?.hostsDone == 2)

        // Phase 2: the client becomes the new CA's; the bundle drops the old CA.
        let dropping = try scratch.trust.switchClient(spreading)
        #expect(dropping.phase == .dropping)
        summary = try await scratch.deployer.trustSummary()
        #expect(summary.client.issuer == summary.authority.subject)
        #expect(summary.bundle.map(\.fingerprint) == [summary.authority.fingerprint])
        #expect(try await scratch.deployer.hostsWithoutCurrentBundle().count == 2)
        let newClient = try derChain(ofFile: summary.clientCertificatePath)
        let spreadBundle = try TrustStore(pemBundle: try scratch.trust.currentAuthority().certificatePEM
            + scratch.trust.issuingAuthority().certificatePEM)
        #expect(await spreadBundle.verify(chain: newClient, usage: .client) == .trusted(subject: summary.client.subject),
                "hosts still holding old+new accept the new client")

        for host in hosts { try await scratch.markReceivedCurrentBundle(host) }
        try scratch.trust.finishRotation()
        summary = try await scratch.deployer.trustSummary()
        #expect(summary.rotation == nil)
        #expect(try scratch.trust.currentAuthority().fingerprint == summary.authority.fingerprint)
        #expect(!FileManager.default.fileExists(atPath: scratch.caDirectory + "/next"))
        let final = try TrustStore.load(path: summary.bundlePath)
        #expect(await final.verify(chain: oldClient, usage: .client)
            == .refused(reason: "issued by \(old.authority.subject) which this agent does not trust"))
        #expect(await oldOnly.verify(chain: newClient, usage: .client) != .trusted(subject: summary.client.subject))
    }

    @Test func rotateWithoutHostsFinishesAtOnceAndNeedsMutualTLS() async throws {
        let scratch = try await TrustScratch("rotate-empty")
        defer { scratch.remove() }
        let refused = await #expect(throws: DeployerError.self) { try await scratch.deployer.rotateCA() }
        #expect(refused?.message.contains("mutual TLS") == true)

        try scratch.trust.initialize()
        let before = try await scratch.deployer.trustSummary()
        let outcome = try await scratch.deployer.rotateCA()
        #expect(outcome.finished, "\(outcome.message)")
        #expect(outcome.runs.isEmpty)
        let after = try await scratch.deployer.trustSummary()
        #expect(after.authority.fingerprint != before.authority.fingerprint)
        #expect(after.client.issuer == after.authority.subject)
        #expect(after.bundle.count == 1 && after.rotation == nil)
    }
}
