// The deployer against plain ansible-playbook on N loopback hosts (one wildcard sshd; a host is an address
// of 127.0.90.0/24 plus its own install root), same playbook, same tarball, same variables:
//   1. fresh deploy to N hosts: the deployer (one ansible-playbook for the batch) vs one ansible-playbook
//      process per host, all started at once (ZStack runs up to 100 side by side).
// The no-change pass is FleetBenchmark's.
//
//   make bench    or    DeployerBenchmark [N]   (default 50; needs root, like scripts/test-host)
import Deployer
import Foundation

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 50
let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let bench = "/tmp/zstack-deploy-bench"
let sshPort = 2900

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs argv, waits, and returns stdout; a non-zero exit throws with stderr.
@discardableResult
func run(_ argv: [String], environment: [String: String] = [:], quiet: Bool = false) throws -> String {
    let process = Process()
    process.executableURL = URL(filePath: "/usr/bin/env")
    process.arguments = argv
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = quiet ? FileHandle.nullDevice : errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = quiet ? Data() : errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchmarkFailure(description: "\(argv.joined(separator: " ")) failed: \(String(decoding: data + errorData, as: UTF8.self).suffix(2000))")
    }
    return String(decoding: data, as: UTF8.self)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return seconds(ContinuousClock.now - start)
}

func address(_ index: Int) -> String { "127.0.90.\(index)" }
func root(_ index: Int) -> String { "\(bench)/hosts/h\(index)" }

/// Stops every agent and empties every install root, so that the next deploy is a fresh one.
func resetHosts() throws {
    for index in 1...count {
        let script = root(index) + "/etc/init.d/zstack-kvmagent"
        if FileManager.default.fileExists(atPath: script) {
            _ = try? run([script, "stop"], environment: ["ZSTACK_AGENT_DEFAULTS": root(index) + "/etc/default/zstack-kvmagent"], quiet: true)
        }
        try? FileManager.default.removeItem(atPath: root(index))
        try FileManager.default.createDirectory(atPath: root(index), withIntermediateDirectories: true)
    }
    try run(["chown", "-R", "zstack-test", bench + "/hosts"])
}

func input(_ index: Int, password: String) -> HostInput {
    let base = root(index)
    return HostInput(
        address: address(index), sshPort: sshPort, user: "zstack-test", password: password, kind: .kvm,
        agentPort: 30000 + index, become: false,
        variables: ["zstack_root": base + "/var/lib/zstack", "initd_dir": base + "/etc/init.d",
                    "defaults_dir": base + "/etc/default", "run_dir": base + "/var/run/zstack",
                    "log_dir": base + "/var/log/zstack", "agent_listen": address(index)])
}

/// Runs `ansible-playbook` with the deployer's generated workspace (cfg, known_hosts, extra-vars) on
/// `inventory`, without holding a thread while it runs (many run side by side).
func ansible(workspace: String, inventory: String, playbook: String) async throws {
    let process = Process()
    process.executableURL = URL(filePath: "/usr/bin/env")
    process.arguments = ["ansible-playbook", "-i", inventory, "-e", "@\(workspace)/extra-vars.json", playbook]
    process.environment = ProcessInfo.processInfo.environment.merging(
        ["ANSIBLE_CONFIG": workspace + "/ansible.cfg", "ANSIBLE_NOCOLOR": "1"]) { $1 }
    let log = "\(inventory).log"
    FileManager.default.createFile(atPath: log, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(filePath: log))
    process.standardError = process.standardOutput
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    guard status == 0 else {
        let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.suffix(1500) ?? ""
        throw BenchmarkFailure(description: "ansible-playbook -i \(inventory) exited \(status): \(tail)")
    }
}

func main() async throws {
    try? FileManager.default.removeItem(atPath: bench)
    try FileManager.default.createDirectory(atPath: bench + "/packages", withIntermediateDirectories: true)
    let binDirectory = ProcessInfo.processInfo.environment["BENCH_AGENT_BIN_DIR"]
        ?? URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().path
    print("packaging the KVM agent from \(binDirectory)")
    try run([repository + "/Packaging/package.sh"], environment: [
        "PACKAGE_NO_BUILD": "1", "BIN_DIR": binDirectory, "DIST_DIR": bench + "/dist", "VERSION": "1.0.0",
    ])
    for name in ["kvmagent-1.0.0.tar.gz", "kvmagent-1.0.0.tar.gz.md5"] {
        try FileManager.default.copyItem(atPath: "\(bench)/dist/\(name)", toPath: "\(bench)/packages/\(name)")
    }
    let info = try run([repository + "/scripts/test-host", "start", "deploybench", "0.0.0.0", String(sshPort)])
    let password = info.split(separator: "\n").first { $0.hasPrefix("PASSWORD=") }.map { String($0.dropFirst(9)) } ?? ""
    defer {
        try? resetHosts()
        _ = try? run([repository + "/scripts/test-host", "stop", "deploybench"])
        try? FileManager.default.removeItem(atPath: bench)
    }
    try resetHosts()

    let deployer = try await Deployer(DeployerConfiguration(
        dataDirectory: bench + "/data",
        sources: ReleaseSources(packageDirectory: bench + "/packages", playbookDirectory: repository + "/Playbooks")))
    for (key, value) in ["ansible.var.skip_packages": "true", "ansible.var.libvirt_uri": "test:///default",
                         "agent.echoTimeoutSeconds": "120"] {
        try deployer.inventory.setSetting(key, value)
    }
    _ = try await deployer.loadReleases()  // staged once, outside the measurements
    print("\(count) hosts on 127.0.90.1-\(count), one sshd on port \(sshPort)\n")

    // 1. Fresh deploy.
    var added: RunDetails?
    let deployerFresh = try await timed {
        added = try await deployer.run(.add((1...count).map { input($0, password: password) }, deploy: true), trigger: "bench")
    }
    guard let added, added.run.status == .succeeded else {
        throw BenchmarkFailure(description: "deploy failed: \(added?.run.message ?? "?")")
    }
    let workspace = "\(bench)/data/work/run-\(added.run.id!)-batch-1-kvm"
    let inventory = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: workspace + "/inventory.json"))) as! [String: [String: [String: Any]]]
    let hosts = inventory["all"]!["hosts"]!
    let playbook = "\(bench)/data/releases/\(try await deployer.loadReleases().fingerprint)/playbooks/kvm.yaml"
    for (uuid, variables) in hosts {
        let single = try JSONSerialization.data(withJSONObject: ["all": ["hosts": [uuid: variables]]])
        try single.write(to: URL(filePath: "\(workspace)/inventory-\(uuid).json"))
    }
    try resetHosts()
    let perHostFresh = try await timed {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for uuid in hosts.keys {
                group.addTask { try await ansible(workspace: workspace, inventory: "\(workspace)/inventory-\(uuid).json", playbook: playbook) }
            }
            try await group.waitForAll()
        }
    }

    func row(_ what: String, _ ours: Double, _ theirs: Double, _ baseline: String) {
        print(what.padding(toLength: 34, withPad: " ", startingAt: 0)
            + String(format: "deployer %7.1f s   %@ %7.1f s   ratio %5.1fx", ours, baseline, theirs, theirs / ours))
    }
    row("fresh deploy, \(count) hosts", deployerFresh, perHostFresh, "one ansible per host")
    print(String(format: "\nper host: fresh %.2f s vs %.2f s", deployerFresh / Double(count), perHostFresh / Double(count)))
}

try await main()
