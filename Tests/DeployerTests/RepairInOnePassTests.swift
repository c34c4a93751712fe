import AgentClient
@testable import Deployer
import AgentWire
import TestSupport
import Foundation
import Testing

/// A host whose installed agent binary was replaced is repaired by the one upgrade pass that notices it:
/// its files are the tarball's again, its agent answers with the release's version, and the other hosts
/// are left alone. An agent that answers with another version than the one deployed is a failed host.
/// Every run opens one SSH session per host (the password bootstrap one more: SSH authenticates a
/// connection once, and the key it installs is proven by a login of its own).
@Suite(.serialized)
struct RepairInOnePassTests {
    @Test func tamperedBinaryIsRepairedInTheSamePass() async throws {
        let fleet = try await Fleet(prefix: "drepair", subnet: 71, count: 3, basePort: 2700, agentBasePort: 2710)
        defer { fleet.stop() }
        try await fleet.publish(version: "1.0.0")
        // The third host is added with a key file of its own instead of a password.
        var inputs = fleet.members.map { fleet.input($0) }
        inputs[2].password = nil
        inputs[2].privateKeyPath = fleet.members[2].host.key
        let added = try await fleet.deployer.run(.add(inputs, deploy: true), trigger: "test")
        try #require(added.run.status == .succeeded, "\(added.run.message ?? "")")
        let pids = fleet.members.map(fleet.agentPid)
        var uuids: [String] = []
        for member in fleet.members { uuids.append(try await fleet.uuid(of: member)) }
        let counter = fleet.deployer.sessionsOpened
        #expect(uuids.map(counter.count) == [2, 2, 1],
                "a password login, then the key's, reused by the check; a key file's login, reused likewise")

        // Replaced, not written in place: the running agent keeps its inode (writing to a running
        // executable fails with ETXTBSY), as a careless `cp` over the file or an intruder would leave it.
        let victim = fleet.members[1]
        let release = victim.install.agentHome.appendingPathComponent("kvmagent-1.0.0")
        let binary = release.appendingPathComponent("bin/zstack-kvmagent")
        let impostor = release.appendingPathComponent("bin/impostor")
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: impostor.path)
        try #require(rename(impostor.path, binary.path) == 0)

        let run = try await fleet.deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(run.run.status == .succeeded, "\(run.run.message ?? "") \(run.hosts.compactMap(\.error))")
        let repaired = try #require(run.entry(victim.host.address))
        #expect(repaired.outcome == .deployed, "\(repaired.error ?? "")")
        #expect(repaired.reason == "remote md5 differs: \(victim.install.binaryPath)")
        for (index, member) in fleet.members.enumerated() where index != 1 {
            #expect(run.entry(member.host.address)?.outcome == .skipped)
            #expect(fleet.agentPid(member) == pids[index], "\(member.host.name) was left alone")
        }

        // Every file of the release is the tarball's again, and a new agent process runs it.
        let unpacked = try await AgentTarball.shared(try AgentSpec.named("kvmagent"), version: "1.0.0")
            .unpack(into: fleet.directory.appendingPathComponent("expected"))
        let manifest = try String(contentsOf: unpacked.appendingPathComponent("MD5SUMS"), encoding: .utf8)
        for line in manifest.split(separator: "\n") {
            let path = String(line.dropFirst(34))
            #expect(try await AgentTarball.md5(of: release.appendingPathComponent(path)) == String(line.prefix(32)), "\(path)")
        }
        let pid = try #require(fleet.agentPid(victim))
        #expect(pid != pids[1], "the agent was restarted on the repaired binary")
        let agent = AgentClient(host: victim.host.address, port: victim.agentPort)
        try await agent.waitForEcho("/host/echo", timeout: .seconds(10))
        #expect(try await agent.version() == AgentVersion(agent: "kvmagent", version: "1.0.0"))
        #expect(uuids.map(counter.count) == [3, 3, 2], "one session per host for the upgrade")

        // A release whose agent says it is another version: ansible succeeds, the host does not.
        try await Self.publishMislabelled(version: "2.0.0", reporting: "1.9.9", into: fleet.packages)
        let mislabelled = try await fleet.deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
        #expect(mislabelled.run.status == .failed)
        for member in fleet.members {
            let entry = try #require(mislabelled.entry(member.host.address))
            #expect(entry.outcome == .failed)
            #expect(entry.error?.hasPrefix("ansible succeeded but the agent answering on port \(member.agentPort) runs "
                + "kvmagent 1.9.9, not the deployed kvmagent-2.0.0") == true, "\(entry.error ?? "")")
            #expect(entry.error?.contains("init script status:") == true, "with its diagnostics")
            let tarball = member.install.agentHome.appendingPathComponent("package/kvmagent-2.0.0.tar.gz")
            #expect(!FileManager.default.fileExists(atPath: tarball.path), "its remote tarball was removed")
        }
        // The check, the tarball's removal and the diagnostics shared one session per host.
        #expect(uuids.map(counter.count) == [4, 4, 3])
        #expect(try await fleet.deployer.status().allSatisfy { $0.lastOutcome == .failed && $0.deployedVersion == "1.0.0" })
    }

    /// A tarball `<agent>-<version>.tar.gz`, consistent in itself (MD5SUMS matches), whose VERSION file says
    /// `reported`: what a mislabelled build looks like.
    private static func publishMislabelled(version: String, reporting reported: String, into packages: URL) async throws {
        let shared = try await AgentTarball.shared(try AgentSpec.named("kvmagent"), version: version)
        let scratch = try Repository.temporaryDirectory("mislabelled")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let release = try await shared.unpack(into: scratch)
        try "\(reported)\n".write(to: release.appendingPathComponent("VERSION"), atomically: true, encoding: .utf8)
        try await Program.check(["sh", "-c", "find . -type f ! -name MD5SUMS -printf '%P\\n' | sort | xargs md5sum > MD5SUMS"],
                          in: release)
        try await Program.check(["tar", "-czf", packages.appendingPathComponent(shared.fileName).path, "-C", scratch.path,
                           shared.releaseName])
    }
}
