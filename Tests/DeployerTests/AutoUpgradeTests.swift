import Deployer
import TestSupport
import Foundation
import Logging
import Testing

/// The service beside the management node upgrades hosts by itself when packages, playbooks or extensions
/// change: batch size from the settings (followed batch by batch), user extensions run once per host, and
/// broken input (a bad extension, a tampered tarball, a vanished package directory) touches nothing.
@Suite(.serialized)
struct AutoUpgradeTests {
    @Test func upgradesByItselfFollowingSettingsAndExtensions() async throws {
        let fleet = try await Fleet(prefix: "dauto", subnet: 65, count: 6, basePort: 2650)
        defer { fleet.stop() }
        let inventory = fleet.deployer.inventory
        try await fleet.publish(version: "1.0.0")
        let added = try await fleet.deployer.run(.add(fleet.members.map { fleet.input($0) }, deploy: false), trigger: "test")
        try #require(added.run.status == .succeeded, "\(added.run.message ?? "")")

        // Start with v1: the service finds hosts that never received it and deploys them all.
        var service = ServiceUnderTest(fleet.deployer)
        let first = try await service.nextRun(after: added.run.id!)
        #expect(first.run.trigger == "package change")
        #expect(first.run.status == .succeeded, "\(first.run.message ?? "")")
        #expect(fleet.members.allSatisfy { fleet.currentRelease($0) == "kvmagent-1.0.0" })
        await service.stop()

        // Stopped; v2 dropped in; batch size 2; started again: upgraded in batches of two, nobody calling upgrade.
        try await fleet.publish(version: "2.0.0")
        try await inventory.setSetting("upgrade.batchSize", "2")
        service = ServiceUnderTest(fleet.deployer)
        // The package directory vanishes during the first batch: the run goes on from its staged copy.
        let away = fleet.packages.deletingLastPathComponent().appendingPathComponent("packages-away")
        service.whenBatch(1, startsIn: first.run.id! + 1) {
            try FileManager.default.moveItem(at: fleet.packages, to: away)
        }
        let second = try await service.nextRun(after: first.run.id!)
        #expect(second.run.status == .succeeded, "\(second.run.message ?? "")")
        #expect(second.batches.map(\.hosts.count) == [2, 2, 2])
        #expect(fleet.members.allSatisfy { fleet.currentRelease($0) == "kvmagent-2.0.0" })
        // ...and the next look refuses the missing directory, touching nothing.
        let missing = try await service.nextRun(after: second.run.id!)
        #expect(missing.run.status == .refused)
        #expect(missing.run.message?.contains("does not exist") == true)
        #expect(missing.hosts.isEmpty)
        try FileManager.default.moveItem(at: away, to: fleet.packages)
        let pids = fleet.members.map(fleet.agentPid)

        // A user extension: every host runs it once, in batches that follow a change made mid-run (1, then 5).
        try await inventory.setSetting("upgrade.batchSize", "1")
        let kvmExtensions = fleet.extensions.appendingPathComponent("kvm")
        try FileManager.default.createDirectory(at: kvmExtensions, withIntermediateDirectories: true)
        service.whenBatch(1, startsIn: missing.run.id! + 1) {
            try await inventory.setSetting("upgrade.batchSize", "5")
        }
        try Data("""
            - name: Count the runs of this extension
              ansible.builtin.shell: echo ran >> {{ zstack_root | quote }}/extension-runs
            """.utf8).write(to: kvmExtensions.appendingPathComponent("count.yaml"))
        let third = try await service.nextRun(after: missing.run.id!)
        #expect(third.run.status == .succeeded, "\(third.run.message ?? "")")
        #expect(third.batches.map(\.hosts.count) == [1, 5])
        #expect(third.hosts.allSatisfy { $0.reason?.contains("kvm/count.yaml") == true })
        #expect(fleet.members.map(Self.extensionRuns) == Array(repeating: 1, count: 6))
        #expect(fleet.members.map(fleet.agentPid) == pids, "a new extension does not restart agents")

        // A second pass changes nothing.
        let again = try await fleet.deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(again.hosts.allSatisfy { $0.outcome == .skipped })
        #expect(fleet.members.map(Self.extensionRuns) == Array(repeating: 1, count: 6))

        // A broken extension is refused before any host is touched.
        try Data("- name: Broken\n  no_such_module_anywhere: {}\n".utf8).write(to: kvmExtensions.appendingPathComponent("broken.yaml"))
        let broken = try await service.nextRun(after: again.run.id!)
        #expect(broken.run.status == .refused)
        #expect(broken.run.message?.contains("kvm/broken.yaml fails ansible-playbook --syntax-check") == true)
        #expect(broken.hosts.isEmpty)
        try FileManager.default.removeItem(at: kvmExtensions.appendingPathComponent("broken.yaml"))

        // A tarball whose manifest does not match its contents: refused; v2 keeps running everywhere.
        try await Self.publishTampered(version: "9.0.0", from: "2.0.0", into: fleet)
        let tampered = try await service.nextRun(after: broken.run.id!)
        #expect(tampered.run.status == .refused)
        #expect(tampered.run.message?.contains("does not match its MD5SUMS entry") == true)
        #expect(fleet.members.allSatisfy { fleet.currentRelease($0) == "kvmagent-2.0.0" })
        #expect(fleet.members.map(fleet.agentPid) == pids)
        await service.stop()
    }

    static func extensionRuns(_ member: Fleet.Member) -> Int {
        let text = (try? String(contentsOf: member.install.zstackRoot.appendingPathComponent("extension-runs"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").count
    }

    /// `version` built from `source`'s tarball with a changed binary and the original MD5SUMS.
    static func publishTampered(version: String, from source: String, into fleet: Fleet) async throws {
        let work = fleet.directory.appendingPathComponent("tamper")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try await Program.check(["tar", "-xzf", fleet.packages.appendingPathComponent("kvmagent-\(source).tar.gz").path, "-C", work.path])
        try FileManager.default.moveItem(at: work.appendingPathComponent("kvmagent-\(source)"),
                                         to: work.appendingPathComponent("kvmagent-\(version)"))
        try Data("#!/bin/sh\necho trojan\n".utf8).write(to: work.appendingPathComponent("kvmagent-\(version)/bin/zstack-kvmagent"))
        // Built beside the package directory and moved in, as a release would be copied in.
        let staging = work.appendingPathComponent("kvmagent-\(version).tar.gz")
        try await Program.check(["tar", "-czf", staging.path, "-C", work.path, "kvmagent-\(version)"])
        try FileManager.default.moveItem(at: staging, to: fleet.packages.appendingPathComponent("kvmagent-\(version).tar.gz"))
    }
}

/// The auto-upgrade service running in this process, and ways to wait for what it does.
struct ServiceUnderTest {
    let deployer: Deployer
    let task: Task<Void, any Error>

    init(_ deployer: Deployer) {
        self.deployer = deployer
        let service = AutoUpgradeService(deployer: deployer, interval: .milliseconds(300), logger: Logger(label: "test"))
        task = Task { try await service.run() }
    }

    /// The first run with an id above `id`, once it has ended.
    func nextRun(after id: Int64) async throws -> RunDetails {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            if let run = try await deployer.inventory.runs().last(where: { $0.id! > id }), run.status != .running,
               let details = try await deployer.inventory.runDetails(run.id!) {
                return details
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        // What the run still going was doing, so that a timeout says which host held it up and why.
        let newest = try await deployer.inventory.runs().last(where: { $0.id! > id })
        let latest = if let newest { try await deployer.inventory.runDetails(newest.id!) } else { RunDetails?.none }
        let hosts = latest?.hosts.map { "\($0.address) \($0.outcome.rawValue) \($0.error ?? "")" } ?? []
        throw ProgramError(description: "no run after \(id) ended within 300 s; latest: \(latest?.run.status.rawValue ?? "none") "
            + hosts.joined(separator: "; "))
    }

    /// Runs `action` while batch `number` of run `runId` is being deployed: the batch after it is the first
    /// that can see what the action did.
    func whenBatch(_ number: Int, startsIn runId: Int64, _ action: @escaping @Sendable () async throws -> Void) {
        let inventory = deployer.inventory
        Task {
            while true {
                if let details = try await inventory.runDetails(runId),
                   details.hosts.contains(where: { $0.batch == number && $0.outcome == .deploying }) {
                    try await action()
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
