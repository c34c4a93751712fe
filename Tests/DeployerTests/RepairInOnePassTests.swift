import AgentClient
import Deployer
import FleetTestSupport
import Foundation
import Testing

/// A host whose installed agent binary was replaced is repaired by the one upgrade pass that notices it:
/// its files are the tarball's again, its agent answers with the release's version, and the other hosts
/// are left alone.
@Suite(.serialized)
struct RepairInOnePassTests {
    @Test func tamperedBinaryIsRepairedInTheSamePass() async throws {
        let fleet = try await Fleet(prefix: "drepair", subnet: 71, count: 3, basePort: 2700, agentBasePort: 2710)
        defer { fleet.stop() }
        try fleet.publish(version: "1.0.0")
        let added = try await fleet.deployer.run(.add(fleet.members.map { fleet.input($0) }, deploy: true), trigger: "test")
        try #require(added.run.status == .succeeded, "\(added.run.message ?? "")")
        let pids = fleet.members.map(fleet.agentPid)

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
        let unpacked = try AgentTarball.shared(try AgentSpec.named("kvmagent"), version: "1.0.0")
            .unpack(into: fleet.directory.appendingPathComponent("expected"))
        let manifest = try String(contentsOf: unpacked.appendingPathComponent("MD5SUMS"), encoding: .utf8)
        for line in manifest.split(separator: "\n") {
            let path = String(line.dropFirst(34))
            #expect(try AgentTarball.md5(of: release.appendingPathComponent(path)) == String(line.prefix(32)), "\(path)")
        }
        let pid = try #require(fleet.agentPid(victim))
        #expect(pid != pids[1], "the agent was restarted on the repaired binary")
        try await AgentClient(host: victim.host.address, port: victim.agentPort).waitForEcho("/host/echo", timeout: .seconds(10))
    }
}
