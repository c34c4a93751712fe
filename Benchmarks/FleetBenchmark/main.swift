// The deployer's no-change pass at fleet scale (issue 18): N simulated hosts on this machine, the pass timed
// at each size of BENCH_FLEET_SIZES (default 100,1000,10000), next to today's SSH path and plain
// ansible-playbook over the same hosts.
//
// The fleet: one sshd on 0.0.0.0:2901 answers on every 127.90.x.y (host i is 127.90.(i/250).(i%250+1)),
// each host with its own install root. The first 100 hosts are real deployments (the deployer's add, one
// ansible-playbook, each agent on its own address, port 2902, its own certificate). The others are the
// first host replicated: its install root hard-linked, its inventory row and deployed files copied
// (inserted with the inventory's own record type), served by a few real agents on 0.0.0.0, one per slice
// of 1000 hosts (ports 2903...), started from the first host's release with a certificate from the
// deployer's CA carrying every address of its slice as an IP SAN: the deployer verifies each host's
// agent as it would any other (mutual TLS, the IP SAN it connects to), nothing is relaxed for the bench.
//
//   Benchmarks/run deployer_fleet    or    FleetBenchmark   (needs root, like scripts/test-host)
// Its BENCHMARKS.md section goes to stdout, progress to stderr. BENCH_FLEET_REAL: how many hosts are real
// deployments (default 100, the ansible baseline's size).
import AgentTrust
import BenchSupport
import Deployer
import Foundation

let environment = ProcessInfo.processInfo.environment
let sizes = Array(Set((environment["BENCH_FLEET_SIZES"] ?? "100,1000,10000").split(separator: ",")
    .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 })).sorted()
let largest = sizes.last ?? 0
/// Deployed for real by ansible (BENCH_FLEET_REAL, default 100); the rest are replicas.
let realCount = min(environment["BENCH_FLEET_REAL"].flatMap { Int($0) } ?? 100, largest)
let sliceSize = 1000
/// Today's SSH path is measured up to this size (it costs ~56 ms per host), extrapolated beyond.
let sshPathLimit = 1000
let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let bench = "/tmp/zstack-fleet-bench"
let data = bench + "/data"
let (sshPort, realAgentPort, firstSlicePort, lastSlicePort) = (2901, 2902, 2903, 2919)




func address(_ index: Int) -> String { "127.90.\(index / 250).\(index % 250 + 1)" }
func root(_ index: Int) -> String { "\(bench)/hosts/h\(index)" }
func slicePort(_ index: Int) -> Int { firstSlicePort + (index - realCount) / sliceSize }



func input(_ index: Int, password: String) -> HostInput {
    let base = root(index)
    return HostInput(
        address: address(index), sshPort: sshPort, user: "zstack-test", password: password, kind: .kvm,
        agentPort: realAgentPort, become: false,
        variables: ["zstack_root": base + "/var/lib/zstack", "initd_dir": base + "/etc/init.d",
                    "defaults_dir": base + "/etc/default", "run_dir": base + "/var/run/zstack",
                    "log_dir": base + "/var/log/zstack", "logrotate_dir": base + "/etc/logrotate.d",
                    "agent_listen": address(index)])
}

/// The first host's install root as a list of entries, made again for each replica: directories made,
/// files hard-linked (same inodes, same MD5s, no copies of the tarball), links re-made.
struct RootTemplate {
    enum Entry { case directory(String), file(String), link(String, String) }
    let base: String
    let entries: [Entry]

    init(_ base: String) throws {
        self.base = base
        var entries: [Entry] = []
        let files = FileManager.default.enumerator(atPath: base)!
        while let path = files.nextObject() as? String {
            let full = base + "/" + path
            let type = try FileManager.default.attributesOfItem(atPath: full)[.type] as? FileAttributeType
            switch type {
            case .typeDirectory: entries.append(.directory(path))
            case .typeSymbolicLink: entries.append(.link(path, try FileManager.default.destinationOfSymbolicLink(atPath: full)))
            case .typeRegular: entries.append(.file(path))
            default: break
            }
        }
        self.entries = entries
    }

    func replicate(to destination: String) throws {
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        for entry in entries {
            switch entry {
            case .directory(let path): mkdir(destination + "/" + path, 0o755)
            case .file(let path): guard link(base + "/" + path, destination + "/" + path) == 0 else {
                throw BenchmarkFailure("link \(path) into \(destination): errno \(errno)")
            }
            case .link(let path, let target): symlink(target, destination + "/" + path)
            }
        }
    }
}

/// The replicated part of the fleet: install roots, inventory rows, and the slice agents serving them.
final class Replicas {
    let template: HostRecord
    let files: [String: String]
    let tree: RootTemplate
    let inventory: Inventory
    let authority: CertificateAuthority
    var agents: [Process] = []
    private(set) var count = realCount

    init(template: HostRecord, inventory: Inventory) async throws {
        self.template = template
        self.inventory = inventory
        tree = try RootTemplate(root(0))
        files = try await inventory.deployedFiles(of: template.uuid)
        authority = try CertificateAuthority.load(from: data + "/ca")
    }

    /// Hosts `count..<total` made: roots, a slice agent for each new slice, rows inserted in one transaction.
    func grow(to total: Int) async throws {
        guard total > count else { return }
        let range = count..<total
        // Hard links: the files are the first host's, owned by the test user already.
        for index in range { try tree.replicate(to: root(index)) }
        for index in range where (index - realCount) % sliceSize == 0 { try await startSliceAgent(first: index) }
        let hosts = range.map { index in
            var host = template
            host.uuid = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            host.name = address(index)
            host.address = address(index)
            host.agentPort = slicePort(index)
            host.variables = template.variables.mapValues { $0.replacingOccurrences(of: root(0) + "/", with: root(index) + "/") }
            host.variables["agent_listen"] = "0.0.0.0"
            host.addedAt = Date()
            return (host: host, files: files)
        }
        try await inventory.importHosts(hosts)
        count = total
    }

    /// A real agent from the first host's release on 0.0.0.0, for the slice starting at host `first`: its
    /// certificate's IP SANs are every address of the slice (issued by the deployer's CA).
    private func startSliceAgent(first: Int) async throws {
        let port = slicePort(first)
        guard port <= lastSlicePort else { throw BenchmarkFailure("more slices than ports 2903-2919") }
        let addresses = (first..<min(first + sliceSize, largest)).map(address)
        let directory = "\(bench)/slices/\(port)"
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        let issued = try authority.issue(.server(commonName: "fleet-slice-\(port)", addresses: addresses),
                                         notAfter: Date() + 86400)
        try issued.write(certificateTo: directory + "/agent.crt", keyTo: directory + "/agent.key")
        let agent = Process()
        agent.executableURL = URL(filePath: root(0) + "/var/lib/zstack/kvmagent/current/bin/zstack-kvmagent")
        agent.arguments = ["--listen", "0.0.0.0", "--port", String(port), "--state-dir", directory + "/state",
                           "--auth", "mtls", "--tls-cert", directory + "/agent.crt", "--tls-key", directory + "/agent.key",
                           "--tls-ca", data + "/ca/ca-bundle.pem", "--log-level", "warning"]
        agent.environment = ["LIBVIRT_DEFAULT_URI": "test:///default", "ZSTACK_RUN_DIR": directory,
                             "ZSTACK_LOG_DIR": directory, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        _ = FileManager.default.createFile(atPath: directory + "/agent.log", contents: nil)
        agent.standardOutput = try FileHandle(forWritingTo: URL(filePath: directory + "/agent.log"))
        agent.standardError = agent.standardOutput
        try agent.run()
        agents.append(agent)
        for _ in 0..<300 {
            if (try? run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"])) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkFailure("the slice agent on port \(port) did not start: "
            + ((try? String(contentsOfFile: directory + "/agent.log", encoding: .utf8)) ?? ""))
    }

    func stop() {
        for agent in agents where agent.isRunning {
            agent.terminate()
            agent.waitUntilExit()
        }
    }
}

/// The CPU seconds every agent of the fleet has used so far (the real hosts' from their pidfiles).
func agentsCPU(_ replicas: Replicas) -> Double {
    let real = (0..<realCount).compactMap {
        try? String(contentsOfFile: root($0) + "/var/run/zstack/swift-kvmagent.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return (real + replicas.agents.map { String($0.processIdentifier) }).map(cpuSeconds).reduce(0, +)
}

/// One measured pass over the whole inventory.
struct Pass {
    var hosts: Int
    var seconds: Double
    var cpu: Double
    var agentsCPU: Double
    var sshSessions: Int
    var viaManifest: Int
    var msPerHost: Double { seconds * 1000 / Double(hosts) }
}

func pass(_ deployer: Deployer, _ replicas: Replicas, manifest: Bool) async throws -> Pass {
    try await deployer.inventory.setSetting("check.agentManifest", manifest ? nil : "ignore")
    let (sessions, cpu, agents) = (deployer.sshSessionsOpened, cpuSeconds(), agentsCPU(replicas))
    var details: RunDetails?
    let seconds = try await wallSeconds {
        details = try await deployer.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "bench")
    }
    let hosts = details?.hosts ?? []
    let skipped = hosts.count { $0.outcome == .skipped }
    guard skipped == replicas.count else {
        let other = hosts.first { $0.outcome != .skipped }
        throw BenchmarkFailure("no-change pass skipped \(skipped) of \(replicas.count): "
            + "\(details?.run.message ?? "") \(other.map { "\($0.address): \($0.reason ?? "") \($0.error ?? "")" } ?? "")")
    }
    return Pass(hosts: hosts.count, seconds: seconds, cpu: cpuSeconds() - cpu, agentsCPU: agentsCPU(replicas) - agents,
                sshSessions: deployer.sshSessionsOpened - sessions,
                viaManifest: hosts.count { $0.reason == "agent manifest matches" })
}

/// Plain ansible-playbook over the real hosts, with the workspace of the run that deployed them (its
/// inventory, cfg, known hosts and extra-vars; the TLS keys it removed afterwards put back).
func ansibleBaseline(workspace: String, deployer: Deployer) async throws -> Double {
    let inventory = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: workspace + "/inventory.json")))
        as? [String: [String: [String: Any]]]
    for uuid in inventory?["all"]?["hosts"]?.keys.map({ $0 }) ?? [] {
        let key = "\(workspace)/tls/\(uuid)/agent.key"
        if !FileManager.default.fileExists(atPath: key) {
            try FileManager.default.copyItem(atPath: "\(data)/ca/hosts/\(uuid)/agent.key", toPath: key)
        }
    }
    // ZStack's way: ansible copies the tarball itself. The deployer's own inventory names tarballs it pushed
    // (agent_pushed_*), which the deploy moved into place; without them the playbook copies from pkg_dir.
    let hosts = ((inventory?["all"]?["hosts"] as? [String: [String: Any]]) ?? [:])
        .mapValues { $0.filter { !$0.key.hasPrefix("agent_pushed_") } }
    try JSONSerialization.data(withJSONObject: ["all": ["hosts": hosts]])
        .write(to: URL(filePath: workspace + "/inventory-plain.json"))
    let playbook = "\(data)/releases/\(try await deployer.loadReleases().fingerprint)/playbooks/kvm.yaml"
    return try await wallSeconds {
        try run(["ansible-playbook", "-i", workspace + "/inventory-plain.json", "-e", "@\(workspace)/extra-vars.json", playbook],
                environment: ["ANSIBLE_CONFIG": workspace + "/ansible.cfg", "ANSIBLE_NOCOLOR": "1"])
    }
}

func main() async throws {
    guard largest > 0 else { throw BenchmarkFailure("BENCH_FLEET_SIZES names no size") }
    try? FileManager.default.removeItem(atPath: bench)
    try FileManager.default.createDirectory(atPath: bench + "/packages", withIntermediateDirectories: true)
    let binDirectory = environment["BENCH_AGENT_BIN_DIR"]
        ?? URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().path
    progress("packaging the KVM agent from \(binDirectory)")
    try run([repository + "/Packaging/package.sh"], environment: [
        "PACKAGE_NO_BUILD": "1", "BIN_DIR": binDirectory, "DIST_DIR": bench + "/dist", "VERSION": "1.0.0",
        "PACKAGE_AGENTS": "kvmagent",
    ])
    for name in ["kvmagent-1.0.0.tar.gz", "kvmagent-1.0.0.tar.gz.md5"] {
        try FileManager.default.copyItem(atPath: "\(bench)/dist/\(name)", toPath: "\(bench)/packages/\(name)")
    }
    let info = try run([repository + "/scripts/test-host", "start", "fleetbench", "0.0.0.0", String(sshPort)])
    let password = info.split(separator: "\n").first { $0.hasPrefix("PASSWORD=") }.map { String($0.dropFirst(9)) } ?? ""
    var replicas: Replicas?
    defer {
        replicas?.stop()
        for index in 0..<realCount {
            _ = try? run([root(index) + "/etc/init.d/zstack-kvmagent", "stop"],
                         environment: ["ZSTACK_AGENT_DEFAULTS": root(index) + "/etc/default/zstack-kvmagent"])
        }
        _ = try? run([repository + "/scripts/test-host", "stop", "fleetbench"])
        // rm, not FileManager: 10,000 install roots go in seconds, not minutes.
        _ = try? run(["rm", "-rf", bench])
    }
    for index in 0..<realCount {
        try FileManager.default.createDirectory(atPath: root(index), withIntermediateDirectories: true)
    }
    try run(["chown", "-R", "zstack-test", bench + "/hosts"])

    let deployer = try await Deployer(DeployerConfiguration(
        dataDirectory: data,
        sources: ReleaseSources(packageDirectory: bench + "/packages", playbookDirectory: repository + "/Playbooks")))
    try await deployer.initializeCA()  // agent.auth auto: mutual TLS, as for any fleet with a CA
    for (key, value) in ["ansible.var.skip_packages": "true", "ansible.var.libvirt_uri": "test:///default",
                         "agent.echoTimeoutSeconds": "120"] {
        try await deployer.inventory.setSetting(key, value)
    }
    _ = try await deployer.loadReleases()
    progress("deploying \(realCount) real hosts (127.90.0.1-\(address(realCount - 1)), sshd on port \(sshPort))")
    let added = try await deployer.run(.add((0..<realCount).map { input($0, password: password) }, deploy: true), trigger: "bench")
    guard added.run.status == .succeeded else {
        throw BenchmarkFailure("deploy failed: \(added.run.message ?? "?") \(added.hosts.compactMap(\.error).prefix(3))")
    }
    guard let template = try await deployer.inventory.host(matching: address(0)) else {
        throw BenchmarkFailure("the first host is not in the inventory")
    }
    let ansible = try await ansibleBaseline(workspace: "\(data)/work/run-\(added.run.id!)-batch-1-kvm", deployer: deployer)
    progress(String(format: "plain ansible-playbook, %d hosts: %.1f s", realCount, ansible))
    let grown = try await Replicas(template: template, inventory: deployer.inventory)
    replicas = grown

    var passes: [Pass] = [], sshPasses: [Int: Pass] = [:]
    for size in sizes {
        progress("growing the fleet to \(size) hosts")
        try await grown.grow(to: max(size, realCount))
        let measured = try await pass(deployer, grown, manifest: true)
        progress(String(format: "  no-change pass, %d hosts: %.2f s (%.2f ms/host), %d via the manifest, %d SSH sessions",
                        measured.hosts, measured.seconds, measured.msPerHost, measured.viaManifest, measured.sshSessions))
        passes.append(measured)
        if size <= sshPathLimit {
            let ssh = try await pass(deployer, grown, manifest: false)
            progress(String(format: "  today's SSH path, %d hosts: %.2f s", ssh.hosts, ssh.seconds))
            sshPasses[size] = ssh
        }
    }
    report(passes, ssh: sshPasses, ansible: ansible)
}

func report(_ passes: [Pass], ssh: [Int: Pass], ansible: Double) {
    let ansiblePerHost: Double? = ansible / Double(realCount)
    let sshPerHost = ssh.values.max { $0.hosts < $1.hosts }.map { $0.seconds / Double($0.hosts) }
    print("""
        ## Deployer: the no-change pass at fleet scale

        `FleetBenchmark` (`Benchmarks/run deployer_fleet`; sizes: `BENCH_FLEET_SIZES`, default 100,1000,10000). \
        A no-change pass (`upgrade` when every host runs its release) over N simulated hosts on this machine: \
        one sshd on 0.0.0.0:\(sshPort) answers on every 127.90.x.y, each host has its own install root; the \
        first \(realCount) are real deployments (the deployer's add, one agent per address), the others are the \
        first one replicated (install root hard-linked, inventory rows and deployed files copied) and served by \
        real agents on 0.0.0.0, one per \(sliceSize) hosts, whose certificates from the deployer's CA carry every \
        address of their slice as an IP SAN. Mutual TLS with full verification throughout. The deployer asks every \
        agent for `GET /agent/manifest` (at most `check.manifestConcurrency` = 256 at once, one HTTP client) and \
        opens SSH only for a host whose answer is missing or differs. Baselines in the same run: today's SSH path \
        (`check.agentManifest ignore`: a login, a port probe and one `md5sum` per host) and plain \
        `ansible-playbook` over the real hosts; beyond their measured sizes, extrapolated at their measured ms/host \
        (marked *extrapolated*). CPU: the deployer's process (user + system, `/proc/self/stat`; `perf stat -e \
        instructions` has no counter on this machine), and the agents' that answered, which share the same 2 cores.

        | hosts | no-change pass | ms/host | deployer CPU | CPU ms/host | agents' CPU | via manifest | SSH sessions | today's SSH path | plain ansible-playbook | vs SSH path | vs ansible |
        |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """)
    for measured in passes {
        let n = Double(measured.hosts)
        let sshSeconds = ssh[measured.hosts]?.seconds
        let sshText = sshSeconds.map { String(format: "%.1f s", $0) }
            ?? sshPerHost.map { String(format: "%.0f s *extrapolated*", $0 * n) } ?? "–"
        let ansibleSeconds = measured.hosts == realCount ? ansible : nil
        let ansibleText = ansibleSeconds.map { String(format: "%.1f s", $0) }
            ?? ansiblePerHost.map { String(format: "%.0f s *extrapolated*", $0 * n) } ?? "–"
        let versusSSH = (sshSeconds ?? sshPerHost.map { $0 * n }).map { String(format: "%.0fx", $0 / measured.seconds) } ?? "–"
        let versusAnsible = (ansibleSeconds ?? ansiblePerHost.map { $0 * n }).map { String(format: "%.0fx", $0 / measured.seconds) } ?? "–"
        print(String(format: "| %d | %.2f s | %.2f | %.2f s | %.3f | %.2f s | %d | %d | %@ | %@ | %@ | %@ |",
                     measured.hosts, measured.seconds, measured.msPerHost, measured.cpu, measured.cpu * 1000 / n,
                     measured.agentsCPU, measured.viaManifest, measured.sshSessions, sshText, ansibleText, versusSSH, versusAnsible))
    }
    print("")
    for (previous, next) in zip(passes, passes.dropFirst()) {
        print(String(format: "- %d → %d hosts (%.0fx): wall time %.1fx, deployer CPU %.1fx",
                     previous.hosts, next.hosts, Double(next.hosts) / Double(previous.hosts),
                     next.seconds / previous.seconds, next.cpu / max(previous.cpu, 0.001)))
    }
    if let tenThousand = passes.first(where: { $0.hosts == 10_000 }) {
        print(String(format: "- goal: 10,000 hosts ≤ 60 s: %.1f s, %@", tenThousand.seconds,
                     tenThousand.seconds <= 60 ? "met" : "NOT met"))
    } else {
        print("- goal: 10,000 hosts ≤ 60 s: not measured in this run (BENCH_FLEET_SIZES)")
    }
    print("")
    // The section is complete: written out before the fleet is torn down.
    fflush(nil)  // every output stream: stdout is shared mutable state to Swift 6
}

try await main()
