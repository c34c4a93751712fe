@testable import Deployer
import TestSupport
import Foundation
import Testing

/// Issue 14: an expected host-key fingerprint is checked at first contact, before any password; old runs
/// and their ansible workspaces are pruned after each run, never a running or resumable one.
@Suite(.serialized)
struct HostKeyAndPruneTests {
    @Test func expectedFingerprintIsCheckedBeforeThePassword() async throws {
        let fleet = try await Fleet(prefix: "dsec", subnet: 68, count: 1, basePort: 2680)
        defer { fleet.stop() }
        try await fleet.publish(version: "1.0.0")
        let member = fleet.members[0]
        let publicKey = member.host.root.deletingLastPathComponent().appendingPathComponent("ssh_host_ed25519_key.pub")
        let printed = try await Program.check(["ssh-keygen", "-lf", publicKey.path]).output
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
            #expect(try await fleet.deployer.inventory.hosts().isEmpty, "a refused host is not added")
        }

        var input = fleet.input(member)
        input.hostKeyFingerprint = right
        let added = try await fleet.deployer.run(.add([input], deploy: false), trigger: "test")
        #expect(added.run.status == .succeeded, "\(added.hosts.map { $0.error ?? "" })")
        #expect(try await fleet.deployer.inventory.host(matching: member.host.address)?.hostKeyFingerprint == right)
    }

    @Test func oldRunsAndWorkspacesArePrunedAfterEachRun() async throws {
        let (deployer, directory) = try await APISecurityTests.bareDeployer("prune")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inventory = deployer.inventory
        try await inventory.setSetting(Setting.runsKeep.key, "2")
        func oldRun(_ kind: RunKind, _ status: RunStatus) async throws -> Int64 {
            let run = try await inventory.createRun(RunRecord(kind: kind, trigger: "test", status: status, ownerPid: getpid(),
                                                        startedAt: Date(timeIntervalSinceNow: -86400)))
            try await inventory.appendEvent(run.id!, "old")
            return run.id!
        }
        let finished = try await oldRun(.add, .succeeded)
        let refused = try await oldRun(.reconnect, .refused)
        let stopped = try await oldRun(.add, .stopped)
        let interrupted = try await oldRun(.reconnect, .interrupted)
        let running = try await oldRun(.add, .running)
        let work = deployer.configuration.workDirectory
        func workspace(_ id: Int64) -> String { "\(work)/run-\(id)-batch-1-kvm" }
        let future: Int64 = 1_000_000
        for id in [finished, refused, stopped, interrupted, running, future] {
            try FileManager.default.createDirectory(atPath: workspace(id), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: workspace(id) + "/ansible.log", contents: Data("log".utf8))
        }

        var newRuns: [Int64] = []
        for _ in 0..<3 {
            newRuns.append(try await deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test").run.id!)
        }
        let remaining = await Set(try inventory.runs(limit: 100).map { $0.id! })
        #expect(remaining == [stopped, interrupted, running, newRuns[1], newRuns[2]])
        #expect(try await inventory.events(of: finished).isEmpty, "a pruned run's events go with it")
        for id in [finished, refused] { #expect(!FileManager.default.fileExists(atPath: workspace(id)), "run \(id)'s workspace") }
        for id in [stopped, interrupted, running, future] { #expect(FileManager.default.fileExists(atPath: workspace(id)), "run \(id)'s workspace") }
    }
}
