import Deployer
import TestSupport
import Foundation
import Testing

/// Packaging/package.sh: tarball layout, manifests, reproducibility, input checks.
struct PackageTests {
    /// Packaging/agents (read by package.sh and the init scripts) says what AgentWire says, through the
    /// deployer's agent kinds: one set of facts, checked instead of trusted.
    @Test func packagingAgreesWithTheAgentFactsInAgentWire() throws {
        let specs = try AgentSpec.all()
        #expect(Set(specs.map(\.name)) == Set(AgentKind.allCases.map(\.agentName)))
        for kind in AgentKind.allCases {
            let spec = try #require(specs.first { $0.name == kind.agentName })
            #expect(spec.port == kind.defaultPort, "\(kind): port")
            #expect(spec.echoPath == kind.echoPath, "\(kind): echo path")
            #expect(spec.playbook == kind.playbook, "\(kind): playbook")
        }
    }

    @Test(arguments: AgentSpec.existing())
    func tarballHoldsBinaryScriptUnitVersionAndManifest(agent: AgentSpec) async throws {
        let scratch = try Repository.temporaryDirectory("package")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let tarball = try await AgentTarball.make(agent, version: "3.2.1", in: scratch)

        let listing = try await Program.check(["tar", "-tzf", tarball.url.path]).output
        let files = Set(listing.split(separator: "\n").map(String.init).filter { !$0.hasSuffix("/") })
        let release = tarball.releaseName
        #expect(files == [
            "\(release)/bin/\(agent.executable)", "\(release)/init.d/\(agent.executable)",
            "\(release)/systemd/\(agent.executable).service", "\(release)/logrotate/\(agent.executable)",
            "\(release)/VERSION", "\(release)/MD5SUMS",
        ])
        // The .md5 beside the tarball and the manifest inside it both verify.
        try await Program.check(["md5sum", "--check", "--quiet", "\(tarball.fileName).md5"], in: scratch)
        let dir = try await tarball.unpack(into: scratch.appendingPathComponent("unpacked"))
        try await Program.check(["md5sum", "--check", "--quiet", "MD5SUMS"], in: dir)
        let manifest = try String(contentsOf: dir.appendingPathComponent("MD5SUMS"), encoding: .utf8)
        #expect(manifest.split(separator: "\n").count == 5)
        // The log rotation names the agent's log and leaves the directory to the playbook.
        let rotation = try String(contentsOf: dir.appendingPathComponent("logrotate/\(agent.executable)"), encoding: .utf8)
        #expect(rotation.hasPrefix("@LOG_DIR@/\(agent.executable).log {") && rotation.contains("copytruncate"))
        #expect(try String(contentsOf: dir.appendingPathComponent("VERSION"), encoding: .utf8) == "3.2.1\n")

        // Stripped: no symbol table left.
        let symbols = try await Program.run(["nm", dir.appendingPathComponent("bin/\(agent.executable)").path])
        #expect(symbols.errorOutput.contains("no symbols"))

        // The init script stands alone (the shared body is inlined) and is valid sh with an LSB header.
        let script = dir.appendingPathComponent("init.d/\(agent.executable)")
        let text = try String(contentsOf: script, encoding: .utf8)
        #expect(text.contains("### BEGIN INIT INFO") && text.contains("# Provides:          \(agent.executable)"))
        #expect(!text.contains("# INLINE:") && text.contains("do_start()"))
        try await Program.check(["sh", "-n", script.path])
        #expect(FileManager.default.isExecutableFile(atPath: script.path))

        let unit = try String(contentsOf: dir.appendingPathComponent("systemd/\(agent.executable).service"), encoding: .utf8)
        #expect(!unit.contains("@"))
        #expect(unit.contains("EnvironmentFile=-/etc/default/\(agent.executable)"))
        #expect(unit.contains("AGENT_PORT=\(agent.port)"))
        // systemd's own check, with ExecStart pointed at the unpacked binary (it must exist).
        let local = scratch.appendingPathComponent("\(agent.executable).service")
        try unit.replacingOccurrences(of: "/var/lib/zstack/\(agent.name)/current/", with: dir.path + "/")
            .write(to: local, atomically: true, encoding: .utf8)
        let verify = try await Program.run(["systemd-analyze", "verify", local.path])
        #expect(verify.status == 0 && verify.errorOutput.isEmpty, "\(verify.transcript)")
    }

    @Test(arguments: AgentSpec.existing())
    func sameInputsGiveTheSameTarball(agent: AgentSpec) async throws {
        let scratch = try Repository.temporaryDirectory("reproducible")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let first = try await AgentTarball.make(agent, version: "1.0.0", in: scratch.appendingPathComponent("a"))
        let second = try await AgentTarball.make(agent, version: "1.0.0", in: scratch.appendingPathComponent("b"))
        #expect(try await AgentTarball.md5(of: first.url) == (try await AgentTarball.md5(of: second.url)))
    }

    @Test(arguments: ["1.0; rm -rf /", "../1.0", "-1", "1.0\nx"])
    func badVersionIsRefused(version: String) async throws {
        let scratch = try Repository.temporaryDirectory("badversion")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = try await Program.run(
            [Repository.root.appendingPathComponent("Packaging/package.sh").path],
            environment: ["VERSION": version, "DIST_DIR": scratch.path, "PACKAGE_NO_BUILD": "1"])
        #expect(result.status != 0)
        #expect(result.errorOutput.contains("bad version"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test func everyAgentHasAnInitScriptAndPlaybook() async throws {
        for agent in try AgentSpec.all() {
            let root = Repository.root
            #expect(FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("initd/\(agent.executable)").path))
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("Playbooks/\(agent.playbook)").path))
            try await Program.check(["sh", "-n", root.appendingPathComponent("initd/\(agent.executable)").path])
        }
    }
}
