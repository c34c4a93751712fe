import Deployer
import TestSupport
import Foundation
import Testing

/// An upgrade whose process is killed mid-batch is resumed by the next `zstack-deploy upgrade`: same run,
/// the finished batches kept, the rest deployed, nothing deployed twice at once.
@Suite(.serialized)
struct ResumeTests {
    @Test func killedUpgradeResumesWhereItStopped() async throws {
        let fleet = try await Fleet(prefix: "dresume", subnet: 63, count: 4, basePort: 2630)
        defer { fleet.stop() }
        try await fleet.publish(version: "1.0.0")
        let added = try await fleet.deployer.run(.add(fleet.members.map { fleet.input($0) }, deploy: true), trigger: "test")
        try #require(added.run.status == .succeeded, "\(added.run.message ?? "")")
        try await fleet.publish(version: "2.0.0")

        let process = try fleet.startCommand(["upgrade", "--all", "--batch-size", "1"])
        // Kill it (SIGKILL: no chance to clean up) once the second batch is under way.
        var upgradeId: Int64?
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline, process.isRunning {
            if let run = try await fleet.deployer.inventory.runs().first(where: { $0.kind == .upgrade }),
               let details = try await fleet.deployer.inventory.runDetails(run.id!),
               details.hosts.contains(where: { $0.batch == 2 && $0.outcome == .deploying }) {
                upgradeId = run.id
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let id = try #require(upgradeId, "the upgrade reached its second batch")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let killed = try await #require(try fleet.deployer.inventory.runDetails(id))
        #expect(killed.hosts.count { $0.outcome == .deployed } == 1)

        let resumed = try await fleet.runCommand(["upgrade", "--all", "--batch-size", "1"])
        #expect(resumed.status == 0, "\(resumed.transcript)")
        #expect(resumed.output.contains("resuming upgrade run \(id)"))
        let details = try await #require(try fleet.deployer.inventory.runDetails(id))
        #expect(details.run.status == .succeeded, "\(details.run.message ?? "")")
        #expect(details.batches.map(\.number) == [1, 2, 3, 4])
        #expect(details.batches.allSatisfy { $0.hosts.count == 1 && $0.deployed == 1 })
        #expect(try await fleet.deployer.inventory.runs().filter { $0.kind == .upgrade }.count == 1, "no second upgrade run")
        for member in fleet.members {
            #expect(fleet.currentRelease(member) == "kvmagent-2.0.0")
            #expect(fleet.agentPid(member) != nil)
        }
    }
}

extension Fleet {
    /// `zstack-deploy` with this fleet's data, packages, playbooks and extensions.
    func commandLine(_ arguments: [String]) -> [String] {
        [Repository.binaryDirectory.appendingPathComponent("zstack-deploy").path] + arguments + [
            "--data-dir", directory.appendingPathComponent("data").path, "--database", database, "--packages", packages.path,
            "--playbooks", Repository.root.appendingPathComponent("Playbooks").path, "--extensions", extensions.path,
        ]
    }

    func runCommand(_ arguments: [String]) async throws -> ProgramResult {
        try await Program.run(commandLine(arguments))
    }

    /// Starts the command without waiting; its output is discarded.
    func startCommand(_ arguments: [String]) throws -> Process {
        let argv = commandLine(arguments)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
