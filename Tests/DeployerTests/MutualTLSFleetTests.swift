import AgentClient
import AgentTrust
@testable import Deployer
import TestSupport
import Foundation
import Testing

/// End to end on three loopback hosts: `ca init`, add in mtls mode (the deployer's echo goes over TLS with
/// its client certificate and checks each agent's IP SAN), a plain request and a certificate-less one
/// refused, reconnect re-issuing a host's certificate, then `ca rotate` (two upgrade runs) after which a
/// client certificate of the old CA is refused while the deployer still reaches every agent.
@Suite(.serialized)
struct MutualTLSFleetTests {
    @Test func deployInMutualTLSAndRotateTheCA() async throws {
        let fleet = try await Fleet(prefix: "dca", subnet: 66, count: 3, basePort: 2660)
        defer { fleet.stop() }
        try await fleet.publish(version: "1.0.0")
        let deployer = fleet.deployer
        try deployer.trust.initialize()

        let added = try await deployer.run(.add(fleet.members.map { fleet.input($0) }, deploy: true), trigger: "test")
        #expect(added.run.status == .succeeded, "\(added.run.message ?? ""): \(added.hosts.map { $0.error ?? "" })")
        var hosts: [HostRecord] = []
        for member in fleet.members { hosts.append(try #require(try await deployer.inventory.host(matching: member.host.address))) }
        for (member, host) in zip(fleet.members, hosts) {
            let tls = member.install.agentHome.appendingPathComponent("tls").path
            #expect(try permissions(tls + "/agent.key") == 0o600)
            let defaults = try String(contentsOf: member.install.defaultsFile, encoding: .utf8)
            #expect(defaults.contains("--auth mtls --tls-cert \(tls)/agent.crt"))
            // A plain HTTP request, and TLS without a client certificate, get nothing from the agent.
            await #expect(throws: (any Error).self) {
                try await AgentClient(host: host.address, port: host.agentPort).waitForEcho(host.kind.echoPath, timeout: .seconds(3))
            }
            let anonymous = try await Program.run(["curl", "-sS", "--max-time", "5", "-X", "POST", "--cacert", deployer.trust.bundlePath,
                                             "https://\(host.address):\(host.agentPort)\(host.kind.echoPath)"])
            #expect(anonymous.status != 0, "TLS without a client certificate is refused: \(anonymous.transcript)")
            try await Self.echo(host, clientOf: deployer.trust, bundle: try deployer.trust.bundle())
        }

        // Reconnect gives the host a new certificate, which its agent serves.
        let reconnected = fleet.members[0]
        let certificate = reconnected.install.agentHome.appendingPathComponent("tls/agent.crt").path
        let before = try String(contentsOfFile: certificate, encoding: .utf8)
        let reconnect = try await deployer.run(.reconnect([reconnected.host.address]), trigger: "test")
        #expect(reconnect.run.status == .succeeded, "\(reconnect.run.message ?? "")")
        #expect(try String(contentsOfFile: certificate, encoding: .utf8) != before)
        try await Self.echo(hosts[0], clientOf: deployer.trust, bundle: try deployer.trust.bundle())

        // Rotation: the old client certificate is kept aside to try it afterwards.
        let oldClient = try copyTrust(deployer.trust, to: fleet.directory.appendingPathComponent("old-client"))
        let oldAuthority = try await deployer.trustSummary().authority
        let outcome = try await deployer.rotateCA()
        #expect(outcome.finished, "\(outcome.message)")
        #expect(outcome.runs.count == 2, "one upgrade run per phase")
        let summary = try await deployer.trustSummary()
        #expect(summary.authority.fingerprint != oldAuthority.fingerprint)
        #expect(summary.bundle.count == 1 && summary.rotation == nil)
        for (member, host) in zip(fleet.members, hosts) {
            let bundle = member.install.agentHome.appendingPathComponent("tls/ca-bundle.pem").path
            #expect(try String(contentsOfFile: bundle, encoding: .utf8) == deployer.trust.bundle())
            try await Self.echo(host, clientOf: deployer.trust, bundle: try deployer.trust.bundle())
            await #expect(throws: (any Error).self) {
                try await Self.echo(host, clientOf: oldClient, bundle: try deployer.trust.bundle())
            }
        }
        // Nothing changed since: a pass skips every host. Over mutual TLS, fully verified, every agent's
        // manifest proves its release: no host is logged in to.
        let sessions = deployer.sshSessionsOpened
        let again = try await deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(again.hosts.allSatisfy { $0.outcome == .skipped && $0.reason == "agent manifest matches" },
                "\(again.hosts.map { $0.reason ?? "" })")
        #expect(deployer.sshSessionsOpened == sessions, "no SSH session for a host skipped on its manifest")

        // An agent whose executable was replaced under it answers a manifest that differs, a stopped one none:
        // for those two, the SSH check decides, and both are redeployed (one session each).
        let (replaced, stopped) = (fleet.members[1], fleet.members[2])
        let release = replaced.install.agentHome.appendingPathComponent("kvmagent-1.0.0")
        let impostor = release.appendingPathComponent("bin/impostor")
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: impostor.path)
        try #require(rename(impostor.path, release.appendingPathComponent("bin/zstack-kvmagent").path) == 0)
        stopped.install.stopAgent()
        let repaired = try await deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(repaired.run.status == .succeeded, "\(repaired.run.message ?? "")")
        #expect(repaired.entry(fleet.members[0].host.address)?.reason == "agent manifest matches")
        let differing = try #require(repaired.entry(replaced.host.address))
        #expect(differing.outcome == .deployed)
        #expect(differing.reason == "remote md5 differs: \(replaced.install.binaryPath) "
            + "(agent manifest differs: executable replaced on disk since the agent started)")
        let down = try #require(repaired.entry(stopped.host.address))
        #expect(down.outcome == .deployed)
        #expect(down.reason?.hasPrefix("agent port \(stopped.agentPort) closed (agent manifest unavailable: ") == true,
                "\(down.reason ?? "")")
        #expect(deployer.sshSessionsOpened == sessions + 2)
        let answers = try await deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(answers.hosts.allSatisfy { $0.reason == "agent manifest matches" }, "the repaired agents prove their release")
    }

    /// One echo over mutual TLS with the client certificate of `trust`, fully verifying the agent.
    static func echo(_ host: HostRecord, clientOf trust: DeployerTrust, bundle: String) async throws {
        try await deployerEcho(host, AgentAuthPlan(mode: .mutualTLS(.init(trust: trust, issuer: try trust.issuingAuthority(),
                                                                          bundlePEM: bundle))))
    }
}
