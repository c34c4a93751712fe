import Deployer
import TestSupport
import Foundation
import Testing

/// Hosts that cannot be deployed are recorded with a reason a person can act on, and do not stop the rest.
@Suite(.serialized)
struct FailureTests {
    @Test func eachFailureIsRecordedAndTheOthersSucceed() async throws {
        let fleet = try await Fleet(prefix: "dfail", subnet: 62, count: 4, basePort: 2620)
        defer { fleet.stop() }
        try await fleet.publish(version: "1.0.0")
        // The broken host sorts first, so that it makes up the first batch of the upgrade below.
        let broken = fleet.members[0], good = Array(fleet.members[1...2]), wrongPassword = fleet.members[3]
        let unreachable = HostInput(address: "127.0.62.99", sshPort: 2699, user: "zstack-test", password: "x",
                                    kind: .kvm, become: false)
        let inputs = good.map { fleet.input($0) } + [
            fleet.input(wrongPassword, password: "not-the-password"),
            // The agent refuses this flag and exits, so the playbook fails after the tarball was copied.
            fleet.input(broken, variables: ["agent_extra_args": "--no-such-flag"]),
            unreachable,
        ]
        let run = try await fleet.deployer.run(.add(inputs, deploy: true), trigger: "test")
        #expect(run.run.status == .failed)
        for member in good {
            #expect(run.entry(member.host.address)?.outcome == .deployed)
            #expect(fleet.agentPid(member) != nil)
        }

        let denied = try #require(run.entry(wrongPassword.host.address))
        #expect(denied.outcome == .failed)
        #expect(denied.error?.contains("authenticationFailed") == true, "\(denied.error ?? "")")
        #expect(try await fleet.deployer.inventory.host(matching: wrongPassword.host.address) == nil, "not added")

        let gone = try #require(run.entry("127.0.62.99"))
        #expect(gone.outcome == .failed)
        #expect(gone.error?.contains("unreachable") == true, "\(gone.error ?? "")")

        let failed = try #require(run.entry(broken.host.address))
        #expect(failed.outcome == .failed)
        // The failing task and the init script's words, with the agent's log lines, not "ret code: 2".
        #expect(failed.error?.contains("task 'Install and start the release' failed") == true, "\(failed.error ?? "")")
        #expect(failed.error?.contains("zstack-kvmagent failed to start") == true)
        #expect(failed.ansibleTail?.isEmpty == false)
        let tarball = broken.install.agentHome.appendingPathComponent("package/kvmagent-1.0.0.tar.gz")
        #expect(!FileManager.default.fileExists(atPath: tarball.path), "a failed host's remote tarball is removed")
        #expect(try await fleet.deployer.status().first { $0.address == broken.host.address }?.lastOutcome == .failed)

        // The failed host is deployed again on the next pass, the others are left alone.
        let decisions = try await fleet.deployer.check()
        let byAddress = Dictionary(uniqueKeysWithValues: decisions.map { ($0.host.address, $0.decision) })
        #expect(byAddress[broken.host.address] == .deploy("new host"))
        #expect(good.allSatisfy { byAddress[$0.host.address] == .skip("port open, md5 match") })

        // An upgrade whose first batch fails beyond the threshold stops, leaving the rest untouched...
        try await fleet.publish(version: "2.0.0")
        let stopped = try await fleet.deployer.run(.upgrade(batchSize: 1, maxFailPercent: 0), trigger: "test")
        #expect(stopped.run.status == .stopped)
        #expect(stopped.run.message?.contains("stopped after batch 1: 100% of its hosts failed (limit 0%); 2 hosts not touched") == true,
                "\(stopped.run.message ?? "")")
        #expect(good.allSatisfy { fleet.currentRelease($0) == "kvmagent-1.0.0" })
        // ...and, once the broken host is dealt with (here: removed), the next upgrade resumes the same run.
        _ = try await fleet.deployer.removeHost(try await fleet.uuid(of: broken))
        let resumed = try await fleet.deployer.run(.upgrade(batchSize: 1, maxFailPercent: 0), trigger: "test")
        #expect(resumed.run.id == stopped.run.id)
        // The run keeps its history: batch 1 failed, 2 and 3 deployed.
        #expect(resumed.run.status == .failed)
        #expect(resumed.run.message == "2 deployed, 0 skipped, 1 failed")
        #expect(resumed.batches.map(\.number) == [1, 2, 3])
        #expect(resumed.batches.map(\.failed) == [1, 0, 0])
        #expect(good.allSatisfy { fleet.currentRelease($0) == "kvmagent-2.0.0" })

        // A host whose key changed is stopped with the reason; nothing is sent to it.
        try await fleet.replaceHostKey(good[1])
        let afterKeyChange = try await fleet.deployer.check()
        let changed = try #require(afterKeyChange.first { $0.host.address == good[1].host.address })
        guard case .fail(let reason) = changed.decision else {
            Issue.record("expected a failure, got \(changed.decision)")
            return
        }
        #expect(reason.contains("hostKeyMismatch"), "\(reason)")
    }
}
