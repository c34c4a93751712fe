@testable import Deployer
import TestSupport
import Foundation
import Testing

/// The deployer's echo over mutual TLS against a stand-in agent on 127.0.66.50 serving what the deployer
/// staged: it presents the management client certificate, and it checks the agent's certificate against
/// the address it connects to (a certificate of the same CA for another address is refused); after a
/// rotation a stand-in trusting the new bundle refuses the old client certificate.
@Suite struct AgentEchoOverTLSTests {
    static let address = "127.0.66.50"

    @Test func echoPresentsTheClientCertificateAndChecksTheAgentAddress() async throws {
        let scratch = try await TrustScratch("echo")
        defer { scratch.remove() }
        try scratch.trust.initialize()
        let plan = try await scratch.deployer.agentAuthPlan()
        let workspace = scratch.directory.appendingPathComponent("work").path
        let host = try await scratch.addHost(Self.address)
        let other = try await scratch.addHost("127.0.66.51")

        let staged = try plan.stage(host, workspace: workspace, reissue: false)
        let agent = try await Self.start(staged)
        var target = host
        target.agentPort = agent.port
        await #expect(throws: Never.self) { try await deployerEcho(target, plan) }
        await agent.stop()

        // The same CA, the wrong address: full verification, not merely "signed by the CA".
        let misaddressed = try await Self.start(try plan.stage(other, workspace: workspace, reissue: false))
        target.agentPort = misaddressed.port
        await #expect(throws: (any Error).self) { try await deployerEcho(target, plan) }
        await misaddressed.stop()
    }

    @Test func afterRotationTheOldClientCertificateIsRefused() async throws {
        let scratch = try await TrustScratch("echo-rotate")
        defer { scratch.remove() }
        try scratch.trust.initialize()
        let old = try copyTrust(scratch.trust, to: scratch.directory.appendingPathComponent("old"))
        let outcome = try await scratch.deployer.rotateCA()
        #expect(outcome.finished)

        let host = try await scratch.addHost(Self.address)
        let plan = try await scratch.deployer.agentAuthPlan()
        guard case .mutualTLS(let tls) = plan.mode else { Issue.record("not mtls"); return }
        let agent = try await Self.start(try plan.stage(host, workspace: scratch.directory.appendingPathComponent("work").path,
                                                        reissue: false))
        var target = host
        target.agentPort = agent.port
        // Recorded, not thrown: the stand-in is stopped whatever happens.
        await #expect(throws: Never.self) { try await deployerEcho(target, plan) }
        let oldClient = AgentAuthPlan(mode: .mutualTLS(.init(trust: old, issuer: tls.issuer, bundlePEM: tls.bundlePEM)))
        await #expect(throws: (any Error).self) { try await deployerEcho(target, oldClient) }
        await agent.stop()
    }

    static func start(_ staged: [String: String]) async throws -> StandInTLSAgent {
        try await StandInTLSAgent.start(address: address, certificate: staged["agent_tls_cert"]!, key: staged["agent_tls_key"]!,
                                        bundle: staged["agent_tls_ca"]!)
    }
}
