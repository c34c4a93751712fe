// The deployer against plain ansible-playbook on N loopback hosts (one wildcard sshd; a host is an address
// of 127.0.90.0/24 plus its own install root), same playbook, same tarball, same variables:
//   1. fresh deploy to N hosts: the deployer (tarballs pushed over SFTP, then one ansible-playbook for the
//      batch) vs one ansible-playbook process per host copying the tarball itself, all started at once
//      (ZStack runs up to 100 side by side); where the deployer's time went (its run events and the
//      batch's ansible.log); and `scp` of the tarball to the N hosts, the floor of any transfer.
// The no-change pass is FleetBenchmark's.
// Prints its BENCHMARKS.md section on stdout, progress on stderr.
//
//   Benchmarks/run deployer_fresh    or    DeployerBenchmark [N]   (default $BENCH_HOSTS or 50; needs root,
//   like scripts/test-host)
import BenchSupport
import Deployer
import Foundation

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init)
    ?? ProcessInfo.processInfo.environment["BENCH_HOSTS"].flatMap(Int.init) ?? 50
let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let bench = "/tmp/zstack-deploy-bench"
let sshPort = 2900

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
/// `inventory`.
func ansible(workspace: String, inventory: String, playbook: String, environment: [String: String] = [:]) async throws {
    try await runAsync(["ansible-playbook", "-i", inventory, "-e", "@\(workspace)/extra-vars.json", playbook],
                       environment: environment.merging(["ANSIBLE_CONFIG": workspace + "/ansible.cfg", "ANSIBLE_NOCOLOR": "1"]) { $1 },
                       log: "\(inventory).log")
}

func fixed(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}

func main() async throws {
    try? FileManager.default.removeItem(atPath: bench)
    try FileManager.default.createDirectory(atPath: bench + "/packages", withIntermediateDirectories: true)
    let binDirectory = ProcessInfo.processInfo.environment["BENCH_AGENT_BIN_DIR"]
        ?? URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().path
    progress("packaging the KVM agent from \(binDirectory)")
    try run([repository + "/Packaging/package.sh"], environment: [
        "PACKAGE_NO_BUILD": "1", "BIN_DIR": binDirectory, "DIST_DIR": bench + "/dist", "VERSION": "1.0.0",
    ])
    for name in ["kvmagent-1.0.0.tar.gz", "kvmagent-1.0.0.tar.gz.md5"] {
        try FileManager.default.copyItem(atPath: "\(bench)/dist/\(name)", toPath: "\(bench)/packages/\(name)")
    }
    let tarball = "\(bench)/packages/kvmagent-1.0.0.tar.gz"
    let tarballMB = Double((try FileManager.default.attributesOfItem(atPath: tarball)[.size] as? Int) ?? 0) / 1e6
    let info = try run([repository + "/scripts/test-host", "start", "deploybench", "0.0.0.0", String(sshPort)])
    let password = info.split(separator: "\n").first { $0.hasPrefix("PASSWORD=") }.map { String($0.dropFirst(9)) } ?? ""
    defer {
        try? resetHosts()
        _ = try? run([repository + "/scripts/test-host", "stop", "deploybench"])
        try? FileManager.default.removeItem(atPath: bench)
    }
    try resetHosts()

    /// A deployer of its own (data under `data`) adding and deploying every host, with `environment` set for
    /// its ansible-playbook.
    func freshDeploy(data: String, environment: [String: String] = [:]) async throws
        -> (deployer: Deployer, run: RunDetails, wall: Double, cpu: Double)
    {
        let deployer = try await Deployer(DeployerConfiguration(
            dataDirectory: bench + "/" + data,
            sources: ReleaseSources(packageDirectory: bench + "/packages", playbookDirectory: repository + "/Playbooks")))
        for (key, value) in ["ansible.var.skip_packages": "true", "ansible.var.libvirt_uri": "test:///default",
                             "agent.echoTimeoutSeconds": "120"] {
            try await deployer.inventory.setSetting(key, value)
        }
        _ = try await deployer.loadReleases()  // staged once, outside the measurements
        for (name, value) in environment { setenv(name, value, 1) }
        defer { for name in environment.keys { unsetenv(name) } }
        var added: RunDetails?
        let cost = try await measured {
            added = try await deployer.run(.add((1...count).map { input($0, password: password) }, deploy: true), trigger: "bench")
        }
        guard let added, added.run.status == .succeeded else {
            throw BenchmarkFailure("deploy failed: \(added?.run.message ?? "?"): "
                + (added?.hosts.compactMap(\.error).first ?? ""))
        }
        return (deployer, added, cost.wall, cost.cpu)
    }
    progress("\(count) hosts on 127.0.90.1-\(count), one sshd on port \(sshPort)")

    // 1. Fresh deploy.
    let (deployer, added, oursWall, oursCPU) = try await freshDeploy(data: "data")
    let ours = (wall: oursWall, cpu: oursCPU)
    progress(String(format: "deployer: %.1f s", ours.wall))
    let workspace = "\(bench)/data/work/run-\(added.run.id!)-batch-1-kvm"
    let timeline = Timeline(run: added, ansibleLog: (try? String(contentsOfFile: workspace + "/ansible.log", encoding: .utf8)) ?? "")
    // BENCH_OURS_ONLY=1: the deployer's run and its breakdown alone (trying a change to the playbook).
    if ProcessInfo.processInfo.environment["BENCH_OURS_ONLY"] == "1" {
        print(String(format: "ours: %.1f s wall, %.0f s CPU (machine)\n", ours.wall, ours.cpu))
        print(timeline.rows().joined(separator: "\n"))
        return
    }
    let inventory = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: workspace + "/inventory.json"))) as! [String: [String: [String: Any]]]
    let hosts = inventory["all"]!["hosts"]! as! [String: [String: Any]]
    let playbook = "\(bench)/data/releases/\(try await deployer.loadReleases().fingerprint)/playbooks/kvm.yaml"
    for (uuid, variables) in hosts {
        // ZStack's way: ansible copies the tarball from pkg_dir itself (no tarball pushed beforehand).
        let own = variables.filter { !$0.key.hasPrefix("agent_pushed_") }
        let single = try JSONSerialization.data(withJSONObject: ["all": ["hosts": [uuid: own]]])
        try single.write(to: URL(filePath: "\(workspace)/inventory-\(uuid).json"))
    }
    // The transfer floor: OpenSSH's scp of the same tarball to every host, as many at a time as the push.
    try resetHosts()
    let pushConcurrency = await deployer.inventory.integer(Setting.pushConcurrency)
    let scp = try await measured {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 1...count {
                if index > pushConcurrency { try await group.next() }
                group.addTask {
                    try await runAsync(["scp", "-q", "-i", bench + "/data/id_ed25519", "-P", String(sshPort),
                                        "-o", "UserKnownHostsFile=\(workspace)/known_hosts", "-o", "StrictHostKeyChecking=yes",
                                        tarball, "zstack-test@\(address(index)):\(root(index))/"])
                }
            }
            try await group.waitForAll()
        }
    }
    progress(String(format: "scp to %d hosts: %.1f s", count, scp.wall))

    // The same deploy with mitogen's strategy, when a mitogen is installed (not adopted: measured only).
    var mitogen: (wall: Double, cpu: Double)?
    if let strategies = ProcessInfo.processInfo.environment["BENCH_MITOGEN_STRATEGIES"] {
        try resetHosts()
        let run = try await freshDeploy(data: "data-mitogen", environment: [
            "ANSIBLE_STRATEGY": "mitogen_linear", "ANSIBLE_STRATEGY_PLUGINS": strategies])
        mitogen = (run.wall, run.cpu)
        progress(String(format: "deployer with mitogen: %.1f s", run.wall))
    }

    // The deployer's batch as it ran before the push: one ansible-playbook on every host, ansible copying
    // the tarball (its log through the deployer's callback, for the task times).
    try resetHosts()
    let copying = try JSONSerialization.data(withJSONObject: ["all": ["hosts": hosts.mapValues { $0.filter { !$0.key.hasPrefix("agent_pushed_") } }]])
    try copying.write(to: URL(filePath: "\(workspace)/inventory-copying.json"))
    let callback = ["ANSIBLE_STDOUT_CALLBACK": "zstack_json", "ANSIBLE_CALLBACK_PLUGINS": repository + "/Playbooks/callback_plugins",
                    "PYTHONDONTWRITEBYTECODE": "1"]
    let batchCopying = try await measured {
        try await ansible(workspace: workspace, inventory: "\(workspace)/inventory-copying.json", playbook: playbook,
                          environment: callback)
    }
    let copyingTasks = Timeline.tasks(ansibleLog: (try? String(contentsOfFile: "\(workspace)/inventory-copying.json.log", encoding: .utf8)) ?? "")
    progress(String(format: "one ansible-playbook, ansible copying: %.1f s", batchCopying.wall))

    try resetHosts()
    let perHost = try await measured {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for uuid in hosts.keys {
                group.addTask { try await ansible(workspace: workspace, inventory: "\(workspace)/inventory-\(uuid).json", playbook: playbook) }
            }
            try await group.waitForAll()
        }
    }
    progress(String(format: "one ansible-playbook per host: %.1f s", perHost.wall))
    let ratio = perHost.wall / ours.wall
    let mitogenVersion = ProcessInfo.processInfo.environment["BENCH_MITOGEN_VERSION"] ?? ""
    print("""
        ## Fresh deploy of \(count) hosts: deployer vs one ansible-playbook per host

        Step `deployer_fresh` (`DeployerBenchmark`, release build; `BENCH_HOSTS` sets the number of hosts). One sshd
        on the wildcard address stands in for \(count) hosts (DESIGN §9): host *i* is 127.0.90.*i* with its own
        install root, reached as the unprivileged test user; every host runs its own `zstack-kvmagent` (libvirt test
        driver) on its own address and port. Same playbook, same tarball (\(fixed(tarballMB)) MB), same variables.
        Ours: `zstack-deploy`'s `add` of the \(count) hosts with a password (key bootstrap, tarballs pushed over
        SFTP \(pushConcurrency) at a time, one `ansible-playbook` for the batch, echo and version of every agent).
        Baseline: ZStack's way, one `ansible-playbook` process per host, all started at once, each copying the
        tarball itself. Floor: OpenSSH's `scp` of the tarball to the \(count) hosts, \(pushConcurrency) at a time.
        CPU: the whole machine's CPU seconds over the run (the hosts' side runs here too; hardware counters are not
        available on this VM).

        | | wall | CPU (machine) | per host |
        |---|---|---|---|
        | ours: `zstack-deploy` add + deploy | \(fixed(ours.wall)) s | \(fixed(ours.cpu, 0)) s | \(fixed(ours.wall / Double(count), 2)) s |
        | baseline: one `ansible-playbook` per host | \(fixed(perHost.wall)) s | \(fixed(perHost.cpu, 0)) s | \(fixed(perHost.wall / Double(count), 2)) s |
        | ours without the push: the batch's one `ansible-playbook` alone, ansible copying the tarball | \(fixed(batchCopying.wall)) s | \(fixed(batchCopying.cpu, 0)) s | \(fixed(batchCopying.wall / Double(count), 2)) s |
        \(mitogen.map { "| ours with mitogen \(mitogenVersion) (`strategy = mitogen_linear`; measured, not adopted) | \(fixed($0.wall)) s | \(fixed($0.cpu, 0)) s | \(fixed($0.wall / Double(count), 2)) s |\n" } ?? "")\
        | floor: `scp` of the tarball | \(fixed(scp.wall)) s | \(fixed(scp.cpu, 0)) s | \(fixed(scp.wall / Double(count), 2)) s |
        | ratio baseline / ours (goal ≥ 3x) | \(fixed(ratio))x \(ratio >= 3 ? "(met)" : "(not met)") | | |

        Where our \(fixed(ours.wall)) s went (the run's events and the batch's ansible.log, whose lines the
        `zstack_json` callback stamps; a task's time runs from its start to the next task's, on all hosts at once):

        | phase | wall |
        |---|---|
        \(timeline.rows().joined(separator: "\n"))

        The same batch without the push, ansible copying the tarball (the row "without the push" above; no
        bootstrap, no echo):

        | task | wall |
        |---|---|
        \(Timeline.rows(copyingTasks).joined(separator: "\n"))
        """)
}

try await main()
