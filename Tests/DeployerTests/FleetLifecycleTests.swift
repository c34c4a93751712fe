import Deployer
import TestSupport
import Foundation
import Testing

/// The deployer's decisions on five loopback hosts with real sshd and ansible-playbook: first add deploys
/// all, a second pass skips all, a killed agent or a changed remote file redeploys only that host, and a
/// new version goes to all in batches of the requested size.
@Suite(.serialized)
struct FleetLifecycleTests {
    @Test func addSkipRepairAndUpgradeInBatches() async throws {
        let fleet = try await Fleet(prefix: "dlife", subnet: 61, count: 5, basePort: 2610)
        defer { fleet.stop() }
        try await fleet.publish(version: "1.0.0")

        // First add: every host bootstrapped (key installed with the password) and deployed in one batch.
        let added = try await fleet.deployer.run(.add(fleet.members.map { fleet.input($0) }, deploy: true), trigger: "test")
        #expect(added.run.status == .succeeded, "\(added.run.message ?? "")")
        #expect(added.batches.count == 1)
        for member in fleet.members {
            let entry = try #require(added.entry(member.host.address))
            #expect(entry.outcome == .deployed)
            #expect(entry.reason == "new host")
            #expect(fleet.agentPid(member) != nil, "\(member.host.name) runs its agent")
            #expect(fleet.currentRelease(member) == "kvmagent-1.0.0")
        }
        let authorized = try String(contentsOfFile: "/home/\(fleet.members[0].host.user)/.ssh/authorized_keys", encoding: .utf8)
        #expect(authorized.contains(fleet.deployer.publicKey), "the deployer's key was installed")
        let pids = fleet.members.map(fleet.agentPid)

        // Second pass: nothing to do, and the agents were not touched.
        let second = try await fleet.deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(second.run.status == .succeeded)
        #expect(second.hosts.allSatisfy { $0.outcome == .skipped && $0.reason == "port open, md5 match" })
        #expect(fleet.members.map(fleet.agentPid) == pids)

        // A dead agent: only its host is redeployed, because its port is closed.
        let victim = fleet.members[1]
        victim.install.stopAgent()
        // A changed remote file: only that host, because its md5 differs.
        let tampered = fleet.members[3]
        let script = tampered.install.initScript
        let original = try await AgentTarball.md5(of: script)
        let handle = try FileHandle(forWritingTo: script)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("# tampered\n".utf8))
        try handle.close()
        let decisions = try await fleet.deployer.check()
        let reasons = Dictionary(uniqueKeysWithValues: decisions.map { ($0.host.address, $0.decision) })
        #expect(reasons[victim.host.address] == .deploy("agent port \(victim.agentPort) closed"))
        #expect(reasons[tampered.host.address] == .deploy("remote md5 differs: \(script.path)"))
        let repaired = try await fleet.deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(repaired.run.status == .succeeded)
        #expect(Set(repaired.hosts.filter { $0.outcome == .deployed }.map(\.address))
                == [victim.host.address, tampered.host.address])
        #expect(fleet.agentPid(victim) != nil)
        #expect(try await AgentTarball.md5(of: script) == original, "the init script was put back")
        for (index, member) in fleet.members.enumerated() where index != 1 && index != 3 {
            #expect(fleet.agentPid(member) == pids[index], "\(member.host.name) was left alone")
        }

        // A new version: every host, in batches of two, recorded as such.
        try await fleet.publish(version: "2.0.0")
        let upgraded = try await fleet.deployer.run(.upgrade(batchSize: 2, maxFailPercent: nil), trigger: "test")
        #expect(upgraded.run.status == .succeeded, "\(upgraded.run.message ?? "")")
        #expect(upgraded.batches.map(\.hosts.count) == [2, 2, 1])
        #expect(upgraded.run.releases?.contains("kvmagent-2.0.0") == true)
        for member in fleet.members {
            #expect(fleet.currentRelease(member) == "kvmagent-2.0.0")
            #expect(upgraded.entry(member.host.address)?.reason?.contains("kvmagent-2.0.0.tar.gz") == true)
        }
        #expect(try await fleet.deployer.status().allSatisfy { $0.deployedVersion == "2.0.0" })
    }
}
