@testable import Deployer
import FleetTestSupport
import Foundation
import Testing

/// Issue 14: an expected host-key fingerprint is checked at first contact, before any password.
@Suite(.serialized)
struct HostKeyAndPruneTests {
    @Test func expectedFingerprintIsCheckedBeforeThePassword() async throws {
        let fleet = try await Fleet(prefix: "dsec", subnet: 68, count: 1, basePort: 2680)
        defer { fleet.stop() }
        try fleet.publish(version: "1.0.0")
        let member = fleet.members[0]
        let publicKey = member.host.root.deletingLastPathComponent().appendingPathComponent("ssh_host_ed25519_key.pub")
        let printed = try Program.check(["ssh-keygen", "-lf", publicKey.path]).output
        let right = try #require(printed.split(separator: " ").first { $0.hasPrefix("SHA256:") }.map(String.init))
        let wrong = "SHA256:" + String(repeating: "A", count: 43)

        // A wrong password too: the refusal is about the key, so the password was never tried.
        for password in [member.host.password, "not-the-password"] {
            var input = fleet.input(member, password: password)
            input.hostKeyFingerprint = wrong
            let refused = try await fleet.deployer.run(.add([input], deploy: false), trigger: "test")
            #expect(refused.run.status == .failed)
            let error = refused.entry(member.host.address)?.error ?? ""
            #expect(error.contains("host key fingerprint mismatch: expected \(wrong), the host offered \(right); "
                + "no password was sent"), "\(error)")
            #expect(try fleet.deployer.inventory.hosts().isEmpty, "a refused host is not added")
        }

        var input = fleet.input(member)
        input.hostKeyFingerprint = right
        let added = try await fleet.deployer.run(.add([input], deploy: false), trigger: "test")
        #expect(added.run.status == .succeeded, "\(added.hosts.map { $0.error ?? "" })")
        #expect(try fleet.deployer.inventory.host(matching: member.host.address)?.hostKeyFingerprint == right)
    }
}
