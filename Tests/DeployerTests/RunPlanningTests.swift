@testable import Deployer
import Foundation
import Testing

/// The typed plan: decisions in, batches out in a fixed order, forced hosts restarted; decisions stored
/// as their verdict, older stores included.
struct RunPlanningTests {
    private func host(_ uuid: String, _ address: String, kind: AgentKind = .kvm) -> HostRecord {
        HostRecord(uuid: uuid, name: address, address: address, sshPort: 22, user: "root", kind: kind, agentPort: 7070,
                   become: false, hostKeyFingerprint: "", hostKey: "", variables: [:], addedAt: Date())
    }

    @Test func batchesTheHostsToDeployInKindAndAddressOrder() {
        let entries = [
            DeploymentPlan.Entry(host: host("a", "10.0.0.3"), decision: .deploy("new host")),
            DeploymentPlan.Entry(host: host("b", "10.0.0.1"), decision: .skip("port open, md5 match")),
            DeploymentPlan.Entry(host: host("c", "10.0.0.2", kind: .virtualrouter), decision: .deploy("new host")),
            DeploymentPlan.Entry(host: host("d", "10.0.0.1"), decision: .deploy("new host")),
            DeploymentPlan.Entry(host: host("e", "10.0.0.9"), decision: .fail("ssh refused")),
        ]
        var plan = DeploymentPlan(entries: entries, forced: .newHost, firstBatchNumber: 3)
        #expect(plan.restarts == ["a", "c", "d"])
        #expect(plan.entries.map(\.decision.verdict) == [.deploy, .skip, .deploy, .deploy, .fail])
        let first = plan.nextBatch(size: 2)
        #expect(first?.number == 3)
        #expect(first?.hosts.map(\.uuid) == ["d", "a"])
        let second = plan.nextBatch(size: 2)
        #expect(second?.number == 4)
        #expect(second?.hosts.map(\.uuid) == ["c"])
        #expect(plan.nextBatch(size: 2) == nil)

        let unforced = DeploymentPlan(entries: entries, forced: nil, firstBatchNumber: 1)
        #expect(unforced.restarts.isEmpty, "an upgrade restarts only what changed")
    }

    @Test func batchSizeAndFailureLimitFollowTheSettingsWhenNotFixed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inventory = try await Inventory(location: directory.appendingPathComponent("inventory.sqlite").path)
        try await inventory.setSetting(Setting.batchSize.key, "7")
        try await inventory.setSetting(Setting.maxFailPercent.key, "30")
        #expect(await BatchSize.setting.resolve(inventory, remaining: 100) == 7)
        #expect(await BatchSize.fixed(2).resolve(inventory, remaining: 100) == 2)
        #expect(await BatchSize.all.resolve(inventory, remaining: 100) == 100)
        #expect(await FailureLimit.setting.percent(inventory) == 30)
        #expect(await FailureLimit.fixed(0).percent(inventory) == 0)
        #expect(await FailureLimit.never.percent(inventory) == nil)
    }

    /// A store written before decisions were typed holds the same strings; anything else there is dropped
    /// by the migration instead of making the run unreadable.
    @Test func decisionsAreStoredTypedAndOlderStoresStayReadable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("decisions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("inventory.sqlite").path
        let inventory = try await Inventory(location: path)
        let run = try await inventory.createRun(RunRecord(kind: .upgrade, trigger: "test", status: .failed, ownerPid: 1,
                                                          startedAt: Date()))
        try await inventory.saveRunHost(RunHostRecord(runId: run.id!, hostUuid: "h1", address: "10.0.0.1", kind: .kvm,
                                                      decision: .deploy, reason: "new host", outcome: .deployed))
        // As the v1 schema left it: plain text, written by hand, the second one not a verdict.
        _ = try await inventory.backend.transaction([
            SQLStatement("""
                INSERT INTO runHost(runId, hostUuid, address, kind, decision, reason, outcome)
                VALUES (?, 'h2', '10.0.0.2', 'kvm', 'skip', 'port open, md5 match', 'skipped'),
                       (?, 'h3', '10.0.0.3', 'kvm', 'maybe', 'written by something else', 'failed')
                """, [.integer(run.id!), .integer(run.id!)]),
            SQLStatement("DELETE FROM grdb_migrations WHERE identifier = 'v2-typed-decisions'"),
        ])
        await inventory.close()
        let reopened = try await Inventory(location: path)
        let stored = try await reopened.backend.read(SQLStatement(
            "SELECT decision FROM runHost WHERE decision IS NOT NULL ORDER BY hostUuid")).map { try $0.text("decision") }
        #expect(stored == ["deploy", "skip"], "the column holds the raw values")
        let hosts = try #require(try await reopened.runDetails(run.id!)).hosts
        #expect(hosts.map(\.hostDecision) == [.deploy("new host"), .skip("port open, md5 match"), nil])
    }
}
