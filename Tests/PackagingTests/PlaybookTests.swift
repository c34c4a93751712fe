@testable import Deployer
import TestSupport
import Foundation
import Testing

/// Each agent's playbook run with ansible-playbook against two loopback test hosts: install, check the
/// result on the hosts, run again (no change), upgrade to a new tarball (new binary, new process),
/// and force a restart with `init`. Serialized: the cases share the test hosts' names and addresses.
@Suite(.serialized)
struct PlaybookTests {
    static let hostAddresses = ["127.0.0.41", "127.0.0.42"]

    @Test(arguments: AgentSpec.existing())
    func playbookInstallsUpgradesAndIsIdempotent(agent: AgentSpec) async throws {
        let scratch = try Repository.temporaryDirectory("playbook-\(agent.name)")
        let v1 = try await AgentTarball.shared(agent, version: "1.0.0")
        let v2 = try await AgentTarball.shared(agent, version: "2.0.0")

        let names = Self.hostAddresses.indices.map { "pkgtest\($0 + 1)" }
        names.forEach(TestHost.stop)
        var entries: [InventoryHost] = []
        defer {
            for entry in entries { entry.install.stopAgent() }
            names.forEach(TestHost.stop)
            try? FileManager.default.removeItem(at: scratch)
        }
        for (index, address) in Self.hostAddresses.enumerated() {
            let host = try await TestHost.start(name: names[index], address: address, sshPort: 2401 + index)
            // A distinct agent port per host and per agent, so leftovers of one case cannot answer for another.
            entries.append(InventoryHost(host: host, install: InstallRoot(root: host.root, agent: agent),
                                         agentPort: 20000 + agent.port % 1000 + index))
        }
        let ansible = try await AnsibleWorkspace(hosts: entries)
        defer { ansible.remove() }
        let extensions = try Self.writeExtension(for: agent, in: scratch)
        func deploy(_ tarball: AgentTarball, forceRestart: Bool = false) async throws -> [String: HostRecap] {
            try await ansible.run(playbook: agent.playbook, extraVariables: [
                "pkg_\(agent.name)": tarball.fileName, "pkg_dir": tarball.directory.path,
                "skip_packages": "true", "init": forceRestart ? "true" : "false",
                "extensions_dir": extensions.path, "libvirt_uri": "test:///default",
            ])
        }

        let first = try await deploy(v1)
        var pids: [String: Int32] = [:]
        for entry in entries {
            #expect(first[entry.host.name]?.changed ?? 0 > 0)
            try await Self.expectInstalled(v1, on: entry)
            #expect(FileManager.default.fileExists(atPath: entry.install.root.appendingPathComponent("extension-ran").path),
                    "the user extension ran")
            let pid = try #require(Processes.pid(inFile: entry.install.pidfile))
            pids[entry.host.name] = pid
        }

        let second = try await deploy(v1)
        for entry in entries {
            #expect(second[entry.host.name]?.changed == 0, "a second run must change nothing")
            #expect(Processes.pid(inFile: entry.install.pidfile) == pids[entry.host.name])
        }

        let third = try await deploy(v2)
        for entry in entries {
            #expect(third[entry.host.name]?.changed ?? 0 > 0)
            try await Self.expectInstalled(v2, on: entry)
            let pid = try #require(Processes.pid(inFile: entry.install.pidfile))
            let old = try #require(pids[entry.host.name])
            #expect(pid != old)
            #expect(!Processes.isAlive(old))
            // The running process is the new release's binary, not the old one.
            #expect(Processes.executable(of: pid)?.contains("/\(v2.releaseName)/bin/") == true)
            pids[entry.host.name] = pid
        }

        let forced = try await deploy(v2, forceRestart: true)
        for entry in entries {
            #expect(forced[entry.host.name]?.changed ?? 0 > 0)
            #expect(Processes.pid(inFile: entry.install.pidfile) != pids[entry.host.name], "init=true restarts")
            #expect(try await entry.install.initd("status").status == 0)
        }
    }

    /// Files where the playbook puts them with the tarball's MD5s, the init script says running, exactly
    /// one agent process, and the agent answers echo on the host's address and port.
    static func expectInstalled(_ tarball: AgentTarball, on entry: InventoryHost) async throws {
        let install = entry.install
        let copied = install.agentHome.appendingPathComponent("package/\(tarball.fileName)")
        #expect(try await AgentTarball.md5(of: copied) == (try await AgentTarball.md5(of: tarball.url)))

        let reference = try await tarball.unpack(into: try Repository.temporaryDirectory("reference"))
        defer { try? FileManager.default.removeItem(at: reference.deletingLastPathComponent()) }
        let manifest = try String(contentsOf: reference.appendingPathComponent("MD5SUMS"), encoding: .utf8)
        let current = install.agentHome.appendingPathComponent("current")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: current.path) == tarball.releaseName)
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let installed = current.appendingPathComponent(parts[1])
            #expect(try await AgentTarball.md5(of: installed) == parts[0], "\(installed.path)")
        }
        #expect(try await AgentTarball.md5(of: install.initScript)
                == (try await AgentTarball.md5(of: reference.appendingPathComponent("init.d/\(tarball.spec.executable)"))))
        let defaults = try String(contentsOf: install.defaultsFile, encoding: .utf8)
        #expect(defaults.contains("AGENT_PORT=\(entry.agentPort)\n"))
        let rotation = try String(contentsOf: install.logrotateDirectory.appendingPathComponent(tarball.spec.executable), encoding: .utf8)
        #expect(rotation.hasPrefix(install.logFile.path + " {"), "the log rotation names this host's log: \(rotation)")

        let status = try await install.initd("status")
        #expect(status.status == 0, "\(status.transcript)")
        let pid = try #require(Processes.pid(inFile: install.pidfile))
        #expect(Processes.pids(runningExecutable: install.binaryPath) == [pid])
        try await tarball.spec.expectEcho(address: entry.host.address, port: entry.agentPort)
    }

    /// A user extension for `agent`'s kind that leaves a marker in the host's root, idempotently (so the
    /// second run still reports no change).
    static func writeExtension(for agent: AgentSpec, in scratch: URL) throws -> URL {
        let kind = String(agent.playbook.dropLast(".yaml".count))
        let dir = scratch.appendingPathComponent("extensions/\(kind)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
            - name: Leave a marker
              ansible.builtin.copy:
                content: "extension\\n"
                dest: "{{ zstack_root }}/../../../extension-ran"
                mode: "0644"

            """.write(to: dir.appendingPathComponent("marker.yaml"), atomically: true, encoding: .utf8)
        return dir.deletingLastPathComponent()
    }

    /// chroot_env (image builds): everything is installed, nothing is started.
    @Test func chrootEnvInstallsWithoutStarting() async throws {
        let agent = try AgentSpec.named("kvmagent")
        let scratch = try Repository.temporaryDirectory("playbook-chroot")
        let tarball = try await AgentTarball.shared(agent, version: "1.0.0")
        let name = "pkgtest-chroot"
        TestHost.stop(name: name)
        var install: InstallRoot?
        defer {
            install?.stopAgent()
            TestHost.stop(name: name)
            try? FileManager.default.removeItem(at: scratch)
        }
        let host = try await TestHost.start(name: name, address: Self.hostAddresses[0], sshPort: 2403)
        let entry = InventoryHost(host: host, install: InstallRoot(root: host.root, agent: agent), agentPort: 20090)
        install = entry.install
        let ansible = try await AnsibleWorkspace(hosts: [entry])
        defer { ansible.remove() }
        let recap = try await ansible.run(playbook: agent.playbook, extraVariables: [
            "pkg_kvmagent": tarball.fileName, "pkg_dir": tarball.directory.path,
            "skip_packages": "true", "chroot_env": "true",
        ])
        #expect(recap[name]?.changed ?? 0 > 0)
        #expect(FileManager.default.isExecutableFile(atPath: entry.install.initScript.path))
        #expect(FileManager.default.isExecutableFile(atPath: entry.install.binaryPath))
        #expect(try await entry.install.initd("status").status == 3)
        #expect(Processes.pids(runningExecutable: entry.install.binaryPath).isEmpty)
    }
}
