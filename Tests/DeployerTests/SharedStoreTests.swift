import Deployer
import TestSupport
import Foundation
import HostSystem
import NIOHTTP1
import Testing

/// Two `zstack-deploy serve` instances, each with its own data directory, on one store and one loopback
/// fleet, as two management nodes would run them: a package change is rolled out once, by one of them, each
/// host deployed once; the instance running an upgrade dies mid-batch (its process and its ansible, as a
/// machine would) and the other finishes the same run; the CLI and the API of both say the same.
@Suite(.serialized)
struct SharedStoreTests {
    @Test func twoInstancesRollOutOnceAndOneFinishesWhatTheOtherLeft() async throws {
        let fleet = try await Fleet(prefix: "dshared", subnet: 85, count: 4, basePort: 3050)
        defer { fleet.stop() }
        // Every deployment of a host runs this once: its lines count the deployments.
        let kvmExtensions = fleet.extensions.appendingPathComponent("kvm")
        try FileManager.default.createDirectory(at: kvmExtensions, withIntermediateDirectories: true)
        try Data("""
            - name: Count the deployments of this host
              ansible.builtin.shell: echo deployed >> {{ zstack_root | quote }}/deployments
            """.utf8).write(to: kvmExtensions.appendingPathComponent("count.yaml"))
        try await fleet.publish(version: "1.0.0")
        let added = try await fleet.deployer.run(.add(fleet.members.map { fleet.input($0) }, deploy: true), trigger: "test")
        try #require(added.run.status == .succeeded, "\(added.run.message ?? "")")
        try await fleet.deployer.inventory.setSetting(Setting.batchSize.key, "1")

        var instances: [ServeInstance] = []
        defer { instances.forEach { $0.stop() } }
        for (name, port) in [("a", 3070), ("b", 3071)] { instances.append(try await ServeInstance(fleet, name, port: port)) }

        // A package change: both instances see it, one upgrades, the other finds nothing left to do.
        try await fleet.publish(version: "2.0.0")
        let second = try await fleet.finishedUpgrade(after: added.run.id!)
        #expect(second.run.status == .succeeded, "\(second.run.message ?? "")")
        #expect(second.batches.map(\.hosts.count) == [1, 1, 1, 1])
        try await Task.sleep(for: .seconds(3))  // three looks of the other instance: it must start nothing
        #expect(try await fleet.deployer.inventory.runs(limit: 100).filter { $0.id! > added.run.id! }.map(\.id) == [second.run.id],
                "one run for the change, whichever instance saw it first")
        for member in fleet.members {
            #expect(fleet.currentRelease(member) == "kvmagent-2.0.0")
            #expect(try fleet.deployments(member) == 2, "\(member.host.address): deployed once at add, once for 2.0.0")
        }
        try await Self.expectAgreement(fleet, instances)

        // The owner of the next upgrade dies during its second batch; the other takes the same run over.
        try await fleet.publish(version: "3.0.0")
        let running = try await fleet.upgrade(after: second.run.id!, deployingBatch: 2)
        let victim = try #require(instances.first { $0.pid == running.ownerPid }, "the owner is one of the two")
        let survivor = try #require(instances.first { $0.pid != running.ownerPid })
        victim.killLikeAMachine()
        // Interrupted is what the survivor makes of the run before it takes it over: not an end.
        let third = try await fleet.finishedUpgrade(after: second.run.id!, passing: [.interrupted])
        #expect(third.run.id == running.id, "the same run, resumed")
        #expect(third.run.status == .succeeded, "\(third.run.message ?? "")")
        #expect(third.run.ownerPid == survivor.pid)
        #expect(third.batches.map(\.number) == [1, 2, 3, 4])
        #expect(third.batches.allSatisfy { $0.hosts.count == 1 && $0.deployed == 1 })
        #expect(third.events.contains { $0.message.contains("resuming upgrade run \(running.id!)") })
        #expect(try await fleet.deployer.inventory.runs(limit: 100).filter { $0.id! > second.run.id! }.count == 1)
        for member in fleet.members {
            #expect(fleet.currentRelease(member) == "kvmagent-3.0.0")
            #expect(fleet.agentPid(member) != nil)
        }
        try await Self.expectAgreement(fleet, [survivor])
        let (status, details) = try await survivor.api.send(.GET, "/v1/runs/\(running.id!)")
        #expect(status == 200)
        #expect((details["run"] as? [String: Any])?["status"] as? String == "succeeded")
    }

    /// `status --json` and `runs --json` through each instance's data directory, and `GET /v1/hosts` and
    /// `GET /v1/runs` of each instance's API, say the same thing.
    static func expectAgreement(_ fleet: Fleet, _ instances: [ServeInstance]) async throws {
        var seen: [String: Set<String>] = [:]
        for instance in instances {
            for command in [["status", "--json"], ["runs", "--json"]] {
                let result = try await Program.run(instance.commandLine(command))
                #expect(result.status == 0, "\(result.transcript)")
                seen[command[0], default: []].insert(result.output)
            }
            for path in ["/v1/hosts", "/v1/runs"] {
                let (status, _, body) = try await instance.api.exchange(.GET, path)
                #expect(status == 200)
                seen[path, default: []].insert(String(decoding: body, as: UTF8.self))
            }
        }
        for (what, answers) in seen { #expect(answers.count == 1, "\(what) differs between the instances") }
    }
}

/// One `zstack-deploy serve` process on the fleet's store, with a data directory of its own holding the
/// fleet's deployer key and the key file of the store's sealed secrets, copied as an operator would; the
/// API token is the one the instances share.
final class ServeInstance: Sendable {
    let data: URL
    let fleet: Fleet
    let process: Process
    let api: APIClient
    var pid: Int32 { process.processIdentifier }

    init(_ fleet: Fleet, _ name: String, port: Int) async throws {
        self.fleet = fleet
        data = fleet.directory.appendingPathComponent("instance-\(name)")
        try await Fleet.installSharedKey(into: data)
        try FileManager.default.copyItem(atPath: fleet.deployer.configuration.secretKeyPath, toPath: data.path + "/secret.key")
        let token = try fleet.deployer.apiToken()
        api = APIClient(base: "http://127.0.0.1:\(port)", token: token.text)
        let argv = Self.commandLine(fleet, data, ["serve", "--port", "\(port)", "--watch-interval", "1"])
        let log = fleet.directory.appendingPathComponent("instance-\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardOutput = output
        process.standardError = output
        try process.run()
        for _ in 0..<100 {
            if (try? await api.send(.GET, "/v1/runs"))?.0 == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ProgramError(description: "serve \(name) did not answer on port \(port): \(try String(contentsOf: log, encoding: .utf8))")
    }

    func commandLine(_ arguments: [String]) -> [String] {
        Self.commandLine(fleet, data, arguments)
    }

    private static func commandLine(_ fleet: Fleet, _ data: URL, _ arguments: [String]) -> [String] {
        [Repository.binaryDirectory.appendingPathComponent("zstack-deploy").path] + arguments + [
            "--data-dir", data.path, "--database", fleet.database, "--packages", fleet.packages.path,
            "--playbooks", Repository.root.appendingPathComponent("Playbooks").path, "--extensions", fleet.extensions.path,
        ]
    }

    /// SIGKILL for the instance and everything it started (its ansible-playbook names the instance's data
    /// directory on its command line): nothing of it is left to clean up or to go on deploying.
    func killLikeAMachine() {
        kill(pid, SIGKILL)
        process.waitUntilExit()
        for leftover in ProcessTable.pids(commandLineContaining: data.path) { kill(leftover, SIGKILL) }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

extension Fleet {
    /// How many times the counting extension ran on the member.
    func deployments(_ member: Member) throws -> Int {
        let file = member.install.zstackRoot.appendingPathComponent("deployments")
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").count
    }

    /// The first upgrade run after `id`, once it has ended with a status other than those `passing`.
    func finishedUpgrade(after id: Int64, passing: Set<RunStatus> = []) async throws -> RunDetails {
        try await waitForUpgrade(after: id) { $0.run.status != .running && !passing.contains($0.run.status) }
    }

    /// The first upgrade run after `id`, once it is deploying batch `number`.
    func upgrade(after id: Int64, deployingBatch number: Int) async throws -> RunRecord {
        try await waitForUpgrade(after: id) { details in
            details.hosts.contains { $0.batch == number && $0.outcome == .deploying }
        }.run
    }

    private func waitForUpgrade(after id: Int64, until done: (RunDetails) -> Bool) async throws -> RunDetails {
        let deadline = ContinuousClock.now + .seconds(300)
        var latest: RunDetails?
        while ContinuousClock.now < deadline {
            if let run = try await deployer.inventory.runs(limit: 100).last(where: { $0.id! > id && $0.kind == .upgrade }),
               let details = try await deployer.inventory.runDetails(run.id!) {
                if done(details) { return details }
                latest = details
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ProgramError(description: "no upgrade after run \(id) got there in 300 s; latest: "
            + "\(latest?.run.status.rawValue ?? "none") \(latest?.events.suffix(5).map(\.message) ?? [])")
    }
}
