import TestSupport
import Foundation
import Testing

/// The MN integration kit (`make mn-kit`) swapped into a management node's home with `mn-kit install`,
/// then run the way the MN's own AnsibleRunner runs kvm.py / sftpbackupstorage.py, against two loopback test
/// hosts: adding the hosts installs our agents, a reconnect changes nothing, an MD5 change on a host
/// redeploys it; and the iptables scripts with the MN's arguments. Serialized: the cases share the hosts.
@Suite(.serialized)
struct MNKitTests {
    static let addresses = ["127.0.72.1", "127.0.72.2"]
    static let names = ["mnkit1", "mnkit2"]
    static let version = "1.0.0"

    /// `MNKit/build.sh` over the shared tarballs of this build: the kit in `directory`.
    static func buildKit(in directory: URL) async throws -> URL {
        let tarballs = try await AgentTarball.shared(try AgentSpec.named("kvmagent"), version: version)
        let kit = directory.appendingPathComponent("zstack-mn-kit")
        try await Program.check([Repository.root.appendingPathComponent("MNKit/build.sh").path], environment: [
            "KIT_NO_PACKAGE": "1", "VERSION": version, "DIST_DIR": tarballs.directory.path, "KIT_DIR": kit.path,
        ])
        return kit
    }

    /// The kit's settings.yaml for the test hosts: our playbook variables that put each host's agents in its
    /// private root on their own address and ports (JSON is YAML; `host` and `agent` are the playbook's).
    static func writeSettings(_ hosts: [TestHost], to url: URL) throws {
        var perHost: [String: [String: String]] = [:]
        for (index, host) in hosts.enumerated() {
            var values = InstallRoot(root: host.root, agent: try AgentSpec.named("kvmagent")).playbookVariables
            values["kvmagent"] = String(2730 + index)
            values["sftpbackupstorage"] = String(2735 + index)
            perHost[host.address] = values
        }
        var settings: [String: any Sendable] = ["kit_test_hosts": perHost]
        for key in InstallRoot(root: hosts[0].root, agent: try AgentSpec.named("kvmagent")).playbookVariables.keys {
            settings[key] = "{{ kit_test_hosts[host].\(key) }}"
        }
        settings["agent_listen"] = "{{ host }}"
        settings["agent_port"] = "{{ kit_test_hosts[host][agent] }}"
        settings["skip_packages"] = true
        settings["libvirt_uri"] = "test:///default"
        try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys]).write(to: url)
    }

    /// The `changed` count of `address` in the last PLAY RECAP of ansible's output.
    static func changed(on address: String, in result: ProgramResult) throws -> Int {
        let line = try #require(result.output.split(separator: "\n").last { $0.hasPrefix(address + " ") && $0.contains("changed=") },
                                "no recap for \(address): \(result.transcript)")
        let count = line.split(separator: " ").first { $0.hasPrefix("changed=") }?.dropFirst("changed=".count)
        return try #require(count.flatMap { Int($0) })
    }

    @Test func managementNodeInstallsReconnectsAndRepairsOurAgents() async throws {
        let kvm = try AgentSpec.named("kvmagent"), sftp = try AgentSpec.named("sftpbackupstorage")
        let scratch = try Repository.temporaryDirectory("mn-kit")
        Self.names.forEach(TestHost.stop)
        var installs: [InstallRoot] = []
        defer {
            for install in installs { install.stopAgent() }
            Self.names.forEach(TestHost.stop)
            try? FileManager.default.removeItem(at: scratch)
        }
        var hosts: [TestHost] = []
        for (index, address) in Self.addresses.enumerated() {
            hosts.append(try await TestHost.start(name: Self.names[index], address: address, sshPort: 2721 + index))
        }
        installs = hosts.map { InstallRoot(root: $0.root, agent: kvm) } + [InstallRoot(root: hosts[0].root, agent: sftp)]

        let kit = try await Self.buildKit(in: scratch)
        let mn = try ManagementNodeHome(home: scratch.appendingPathComponent("mn"), hosts: Self.addresses)
        let settings = scratch.appendingPathComponent("settings.yaml")
        try Self.writeSettings(hosts, to: settings)
        try await Program.check([kit.appendingPathComponent("mn-kit").path, "install", "--mn-home", mn.home.path,
                                 "--settings", settings.path])
        for module in ManagementNodeHome.packages.keys {
            let kept = mn.classes.appendingPathComponent("ansible/\(module).python/\(module).py")
            #expect(try String(contentsOf: kept, encoding: .utf8) == ManagementNodeHome.pythonEntryPoint, "the original is kept")
            #expect(!(try await mn.moduleDiffers(module)), "an MN restart finds the kit already deployed")
        }

        // The second host ran ZStack's Python agent: its init script (a stand-in that records stops) is where ours goes.
        let pythonStops = hosts[1].root.appendingPathComponent("python-agent-stops")
        try FileManager.default.createDirectory(at: installs[1].initDirectory, withIntermediateDirectories: true)
        try """
            #!/bin/sh
            # zstack-kvmagent: ZStack's Python KVM agent (stand-in: "from kvmagent import kdaemon")
            [ "$1" = stop ] && echo stop >> \(pythonStops.path)
            exit 0

            """.write(to: installs[1].initScript, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: installs[1].initScript.path)

        // AddKVMHost: init, and the MN's package check says deploy (nothing of ours is there yet).
        var pids: [String: Int32] = [:]
        for (index, (host, install)) in zip(hosts, installs).enumerated() {
            #expect(try await mn.checkerNeedsDeploy(module: "kvm", host: host, zstackRoot: install.zstackRoot))
            let run = try await mn.runPlaybook("kvm", arguments: mn.arguments(module: "kvm", host: host, newlyAdded: true),
                                               privateKey: host.rsaKey)
            #expect(run.status == 0, "\(run.transcript)")
            #expect(try Self.changed(on: host.address, in: run) > 0)
            try await kvm.expectEcho(address: host.address, port: 2730 + index)
            pids[host.name] = try #require(Processes.pid(inFile: install.pidfile))
            #expect(Processes.pids(runningExecutable: install.binaryPath) == [pids[host.name]!])
            #expect(!(try await mn.checkerNeedsDeploy(module: "kvm", host: host, zstackRoot: install.zstackRoot)),
                    "after a deploy the MN's package check is satisfied")
            let iptables = install.zstackRoot.appendingPathComponent("kvm/kvmagent-iptables")
            #expect(try await AgentTarball.md5(of: iptables) == (try await AgentTarball.md5(of: kit.appendingPathComponent("kvm/kvmagent-iptables"))))
            #expect(FileManager.default.isExecutableFile(atPath: iptables.path))
        }

        #expect(try String(contentsOf: pythonStops, encoding: .utf8) == "stop\n", "the Python agent was stopped through its script")
        #expect(!FileManager.default.fileExists(atPath: hosts[0].root.appendingPathComponent("python-agent-stops").path))

        // A reconnect (no init) with nothing changed: ansible changes nothing, the agents keep running.
        for (host, install) in zip(hosts, installs) {
            let run = try await mn.runPlaybook("kvm", arguments: mn.arguments(module: "kvm", host: host, newlyAdded: false),
                                               privateKey: host.rsaKey)
            #expect(run.status == 0, "\(run.transcript)")
            #expect(try Self.changed(on: host.address, in: run) == 0, "\(run.output)")
            #expect(Processes.pid(inFile: install.pidfile) == pids[host.name])
        }

        #expect(try String(contentsOf: pythonStops, encoding: .utf8) == "stop\n", "stopped once: our script is installed now")

        // The first host's package copy and agent binary change: the MN's check says deploy, and the run
        // puts both back and restarts the agent; the second host is not touched.
        let (first, firstInstall) = (hosts[0], installs[0])
        let marker = firstInstall.zstackRoot.appendingPathComponent("kvm/package/\(ManagementNodeHome.packages["kvm"]!)")
        try "changed\n".write(to: marker, atomically: true, encoding: .utf8)
        // A new file in its place (the running one cannot be written to): what a botched manual update leaves.
        let binary = URL(fileURLWithPath: firstInstall.binaryPath).resolvingSymlinksInPath()
        let bytes = try Data(contentsOf: binary)
        try FileManager.default.removeItem(at: binary)
        try (bytes + Data("tampered".utf8)).write(to: binary)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
        #expect(try await mn.checkerNeedsDeploy(module: "kvm", host: first, zstackRoot: firstInstall.zstackRoot))
        let repair = try await mn.runPlaybook("kvm", arguments: mn.arguments(module: "kvm", host: first, newlyAdded: false),
                                              privateKey: first.rsaKey)
        #expect(repair.status == 0, "\(repair.transcript)")
        #expect(try Self.changed(on: first.address, in: repair) > 0)
        #expect(!(try await mn.checkerNeedsDeploy(module: "kvm", host: first, zstackRoot: firstInstall.zstackRoot)))
        let release = firstInstall.agentHome.appendingPathComponent("current")
        #expect(try await Program.run(["md5sum", "--check", "--quiet", "MD5SUMS"], in: release).status == 0, "the release is whole again")
        let repaired = try #require(Processes.pid(inFile: firstInstall.pidfile))
        #expect(repaired != pids[first.name])
        try await kvm.expectEcho(address: first.address, port: 2730)
        #expect(Processes.pid(inFile: installs[1].pidfile) == pids[hosts[1].name])

        // The backup storage on the first host: AddSftpBackupStorage, then a reconnect that changes nothing.
        let sftpInstall = installs[2]
        let added = try await mn.runPlaybook("sftpbackupstorage", arguments: mn.arguments(module: "sftpbackupstorage", host: first, newlyAdded: true),
                                             privateKey: first.rsaKey)
        #expect(added.status == 0, "\(added.transcript)")
        try await sftp.expectEcho(address: first.address, port: 2735)
        #expect(!(try await mn.checkerNeedsDeploy(module: "sftpbackupstorage", host: first, zstackRoot: sftpInstall.zstackRoot)))
        #expect(FileManager.default.isExecutableFile(atPath: sftpInstall.zstackRoot.appendingPathComponent("sftpbackupstorage/package/sftp-iptables").path))
        let sftpPid = try #require(Processes.pid(inFile: sftpInstall.pidfile))
        let again = try await mn.runPlaybook("sftpbackupstorage", arguments: mn.arguments(module: "sftpbackupstorage", host: first, newlyAdded: false),
                                             privateKey: first.rsaKey)
        #expect(try Self.changed(on: first.address, in: again) == 0, "\(again.output)")
        #expect(Processes.pid(inFile: sftpInstall.pidfile) == sftpPid)

        // Backing out: the originals are back where the MN reads them.
        try await Program.check([kit.appendingPathComponent("mn-kit").path, "restore", "--mn-home", mn.home.path])
        for module in ManagementNodeHome.packages.keys {
            let entry = mn.ansible.appendingPathComponent("\(module).py")
            #expect(try String(contentsOf: entry, encoding: .utf8) == ManagementNodeHome.pythonEntryPoint)
            #expect(!FileManager.default.fileExists(atPath: mn.classes.appendingPathComponent("ansible/\(module).python").path))
        }
    }

    /// Variables no MN sends: a clear refusal (exit 2, the variable named), before anything runs on a host;
    /// ZStack's kvm.py eval()s its -e, ours only parses JSON or key=value words.
    @Test func kvmPyRefusesHostileVariables() async throws {
        let scratch = try Repository.temporaryDirectory("mn-kit-hostile")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let kit = try await Self.buildKit(in: scratch)
        let mn = try ManagementNodeHome(home: scratch.appendingPathComponent("mn"), hosts: [Self.addresses[0]])
        try await Program.check([kit.appendingPathComponent("mn-kit").path, "install", "--mn-home", mn.home.path])
        let valid = mn.arguments(module: "kvm", address: Self.addresses[0], sshPort: 2721, newlyAdded: true)
        let marker = scratch.appendingPathComponent("injected")
        let cases: [(String, [String: String?])] = [
            ("bad host", ["host": "127.0.72.1 --extra-vars=@/etc/shadow"]),
            ("bad host", ["host": "-e@/etc/shadow"]),
            ("bad pkg_kvmagent", ["pkg_kvmagent": "../../../etc/passwd.tar.gz"]),
            ("bad zstack_root", ["zstack_root": "/var/lib/zstack;touch \(marker.path)"]),
            ("bad remote_port", ["remote_port": "22 -oProxyCommand=touch"]),
            ("bad remote_user", ["remote_user": "root$(touch \(marker.path))"]),
            ("missing variable host", ["host": nil]),
        ]
        for (message, changes) in cases {
            var arguments = valid
            for (key, value) in changes { arguments[key] = value }
            let run = try await mn.runPlaybook("kvm", arguments: arguments, privateKey: "/nonexistent")
            #expect(run.status == 2, "\(changes): \(run.transcript)")
            #expect(run.errorOutput.contains(message), "\(changes): \(run.transcript)")
            #expect(!run.output.contains("PLAY"), "nothing ran: \(run.transcript)")
        }
        for extra in ["{not json", "__import__('os').system('touch \(marker.path)')", "[1, 2]"] {
            let run = try await Program.run(["python3", mn.ansible.appendingPathComponent("kvm.py").path, "-i",
                                             mn.ansible.appendingPathComponent("hosts").path, "-e", extra], in: mn.ansible)
            #expect(run.status == 2, "\(extra): \(run.transcript)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker.path))
    }

    static let kvmDefaultPorts = "22,7070,16509,49152:49261,2049,20000:30000,u4789,u8472,7069,9100,9103,9092"

    /// KVMHost's configure-iptables flow: `bash kvmagent-iptables -m kvmagent.allow.port -p <kvmagent.allow.ports>
    /// -s 7070`, run twice in a namespace: one ACCEPT rule per port, a REJECT of the agent's port gone.
    @Test func kvmagentIptablesOpensThePortsOnce() async throws {
        let kit = try await Self.buildKit(in: try Repository.temporaryDirectory("mn-kit-iptables"))
        defer { try? FileManager.default.removeItem(at: kit.deletingLastPathComponent()) }
        let script = kit.appendingPathComponent("kvm/kvmagent-iptables").path
        try await NetworkNamespace.with(prefix: "mnkit") { ns in
            try await ns.check(["iptables", "-I", "INPUT", "-p", "tcp", "--dport", "7070", "-j", "REJECT"])
            for _ in 0..<2 {
                try await ns.check(["bash", script, "-m", "kvmagent.allow.port", "-p", Self.kvmDefaultPorts, "-s", "7070"])
            }
            let rules = try await ns.check(["iptables-save", "-t", "filter"]).split(separator: "\n").filter { $0.hasPrefix("-A INPUT") }
            let ports = Self.kvmDefaultPorts.split(separator: ",")
            #expect(rules.count == ports.count, "\(rules)")
            for port in ports {
                let proto = port.hasPrefix("u") ? "udp" : "tcp"
                let expected = "-p \(proto) -m comment --comment \"kvmagent.allow.port\" -m \(proto) --dport \(port.drop { $0 == "u" }) -j ACCEPT"
                #expect(rules.filter { $0.hasSuffix(expected) }.count == 1, "\(port): \(rules)")
            }
            #expect(!rules.contains { $0.contains("REJECT") })
        }
    }

    /// SftpBackupStorage's connect: `sudo bash sftp-iptables -m sftpbs.allow.port -p 7171 -c <MN networks>`, twice:
    /// one rule, for the MN networks' ipset only; hostile values are refused before anything changes.
    @Test func sftpIptablesAcceptsTheManagementNetworksOnce() async throws {
        let kit = try await Self.buildKit(in: try Repository.temporaryDirectory("mn-kit-iptables"))
        defer { try? FileManager.default.removeItem(at: kit.deletingLastPathComponent()) }
        let script = kit.appendingPathComponent("sftpbackupstorage/sftp-iptables").path
        let marker = "/tmp/zstack-packaging-tests/mnkit-injected-\(UUID().uuidString)"
        try await NetworkNamespace.with(prefix: "mnkit") { ns in
            for _ in 0..<2 {
                try await ns.check(["bash", script, "-m", "sftpbs.allow.port", "-p", "7171", "-c", "10.0.0.0/8,192.168.7.1"])
            }
            let rules = try await ns.check(["iptables-save", "-t", "filter"]).split(separator: "\n").filter { $0.hasPrefix("-A INPUT") }
            #expect(rules.count == 1, "\(rules)")
            #expect(rules.first?.contains("--match-set ZS-MN src") == true)
            #expect(rules.first?.contains("--dport 7171 -j ACCEPT") == true)
            let members = try await ns.check(["ipset", "list", "ZS-MN"])
            #expect(members.contains("10.0.0.0/8") && members.contains("192.168.7.1"))
            for hostile in [["-m", "a;touch \(marker)", "-p", "1"], ["-m", "sftpbs.allow.port", "-p", "7171;touch \(marker)"],
                            ["-m", "sftpbs.allow.port", "-p", "7171", "-c", "$(touch \(marker))"], ["-m", "x", "-p", "70000"],
                            ["-m", "sftpbs.allow.port"]] {
                let refused = try await ns.run(["bash", script] + hostile)
                #expect(refused.status != 0, "\(hostile)")
            }
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(try await ns.check(["iptables-save", "-t", "filter"]).split(separator: "\n").filter { $0.hasPrefix("-A INPUT") } == rules)
        }
    }
}
