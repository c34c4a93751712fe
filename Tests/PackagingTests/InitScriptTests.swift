import TestSupport
import Foundation
import Testing

/// The packaged init script driving the real agent binary in a private root.
/// Serialized: every test uses the same address and port.
@Suite(.serialized)
struct InitScriptTests {
    static let address = "127.0.0.41"
    static let port = 2440

    /// Installs the kvmagent tarball by hand under a scratch root: release dir, `current` link, init
    /// script, defaults file. A suite of its own passes its own `address` and `port`: suites run in parallel.
    static func install(defaults extra: [String] = [], address: String = address, port: Int = port) async throws -> InstallRoot {
        let agent = try AgentSpec.named("kvmagent")
        let scratch = try Repository.temporaryDirectory("initd")
        let install = InstallRoot(root: scratch.appendingPathComponent("root"), agent: agent)
        let tarball = try await AgentTarball.shared(agent, version: "1.0.0")
        let release = try await tarball.unpack(into: install.agentHome)
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: install.agentHome.appendingPathComponent("current").path,
                                  withDestinationPath: release.lastPathComponent)
        try fm.createDirectory(at: install.initDirectory, withIntermediateDirectories: true)
        try fm.copyItem(at: release.appendingPathComponent("init.d/\(agent.executable)"), to: install.initScript)
        try fm.createDirectory(at: install.defaultsDirectory, withIntermediateDirectories: true)
        let lines = [
            "AGENT_BIN=\(install.binaryPath)",
            "AGENT_LISTEN=\(address)",
            "AGENT_PORT=\(port)",
            "ZSTACK_RUN_DIR=\(install.runDirectory.path)",
            "ZSTACK_LOG_DIR=\(install.logDirectory.path)",
            // The KVM agent opens libvirt at start: the test driver stands in for qemu here.
            "LIBVIRT_DEFAULT_URI=test:///default",
        ] + extra
        try (lines.joined(separator: "\n") + "\n").write(to: install.defaultsFile, atomically: true, encoding: .utf8)
        return install
    }

    @Test func startTwiceRunsOneProcess() async throws {
        let install = try await Self.install()
        defer { install.stopAgent() }
        #expect(try await install.initd("start").status == 0)
        let first = try #require(Processes.pid(inFile: install.pidfile))
        let again = try await install.initd("start")
        #expect(again.status == 0)
        #expect(again.output.contains("already running"))
        #expect(Processes.pid(inFile: install.pidfile) == first)
        #expect(Processes.pids(runningExecutable: install.binaryPath) == [first])
        try await install.agent.expectEcho(address: Self.address, port: Self.port)
    }

    @Test func concurrentStartsRunOneProcess() async throws {
        let install = try await Self.install()
        defer { install.stopAgent() }
        let starts = (0..<3).map { _ in Task.detached { try await install.initd("start").status } }
        for start in starts { #expect(try await start.value == 0) }
        let pid = try #require(Processes.pid(inFile: install.pidfile))
        #expect(Processes.pids(runningExecutable: install.binaryPath) == [pid])
    }

    @Test func statusCodesFollowLSB() async throws {
        let install = try await Self.install()
        defer { install.stopAgent() }
        #expect(try await install.initd("status").status == 3)
        #expect(try await install.initd("start").status == 0)
        let status = try await install.initd("status")
        #expect(status.status == 0)
        #expect(status.output.contains("running"))
        // Killed behind the script's back: the pidfile stays, LSB says "dead, pidfile exists" = 1.
        let pid = try #require(Processes.pid(inFile: install.pidfile))
        kill(pid, SIGKILL)
        while Processes.isAlive(pid) { usleep(50_000) }
        #expect(try await install.initd("status").status == 1)
        #expect(try await install.initd("stop").status == 0)
        #expect(try await install.initd("status").status == 3)
    }

    @Test func stopEndsTheAgent() async throws {
        let install = try await Self.install()
        defer { install.stopAgent() }
        #expect(try await install.initd("start").status == 0)
        let pid = try #require(Processes.pid(inFile: install.pidfile))
        #expect(try await install.initd("stop").status == 0)
        #expect(!Processes.isAlive(pid))
        #expect(!FileManager.default.fileExists(atPath: install.pidfile.path))
        #expect(Processes.pids(runningExecutable: install.binaryPath).isEmpty)
        #expect(try await install.initd("stop").status == 0, "stopping a stopped agent is not an error")
    }

    @Test func restartChangesThePid() async throws {
        let install = try await Self.install()
        defer { install.stopAgent() }
        #expect(try await install.initd("start").status == 0)
        let before = try #require(Processes.pid(inFile: install.pidfile))
        #expect(try await install.initd("restart").status == 0)
        let after = try #require(Processes.pid(inFile: install.pidfile))
        #expect(after != before)
        #expect(!Processes.isAlive(before))
        #expect(Processes.pids(runningExecutable: install.binaryPath) == [after])
        try await install.agent.expectEcho(address: Self.address, port: Self.port)
    }

    /// A program that ignores TERM must still be gone after stop: the script sends KILL after the grace
    /// period. The stand-in is bash, started through a link named like the agent (the script only
    /// accepts processes whose argv[0] is the agent) and running a script that ignores TERM.
    @Test func stopSendsKillWhenTermIsIgnored() async throws {
        let scratch = try Repository.temporaryDirectory("ignore-term")
        let agent = try AgentSpec.named("kvmagent")
        let binary = scratch.appendingPathComponent(agent.executable)
        try FileManager.default.createSymbolicLink(atPath: binary.path, withDestinationPath: "/bin/bash")
        let body = scratch.appendingPathComponent("ignore-term.sh")
        try "trap '' TERM\nwhile :; do sleep 0.2; done\n".write(to: body, atomically: true, encoding: .utf8)
        let defaults = scratch.appendingPathComponent("defaults")
        try """
            AGENT_BIN=\(binary.path)
            AGENT_EXTRA_ARGS=\(body.path)
            AGENT_STOP_TIMEOUT=1
            ZSTACK_RUN_DIR=\(scratch.path)/run
            ZSTACK_LOG_DIR=\(scratch.path)/log

            """.write(to: defaults, atomically: true, encoding: .utf8)
        // The repository's script, which includes the shared body from its own directory.
        let script = Repository.root.appendingPathComponent("initd/\(agent.executable)").path
        let env = ["ZSTACK_AGENT_DEFAULTS": defaults.path]
        #expect(try await Program.run([script, "start"], environment: env).status == 0)
        let pid = try #require(Processes.pid(inFile: scratch.appendingPathComponent("run/swift-kvmagent.pid")))
        defer { kill(pid, SIGKILL) }
        let stop = try await Program.run([script, "stop"], environment: env)
        #expect(stop.status == 0)
        #expect(stop.output.contains("sending KILL"))
        #expect(!Processes.isAlive(pid))
        #expect(try await Program.run([script, "status"], environment: env).status == 3)
    }

    /// An agent started by an earlier release wrote the legacy pidfile (`kvmagent.pid`): the new script
    /// still sees it and its restart ends that agent, once; after it only `swift-kvmagent.pid` is left.
    @Test func restartEndsTheAgentOfALegacyPidfile() async throws {
        let install = try await Self.install()
        defer { install.stopAgent() }
        #expect(try await install.initd("start").status == 0)
        let old = try #require(Processes.pid(inFile: install.pidfile))
        try FileManager.default.moveItem(at: install.pidfile, to: install.legacyPidfile)
        #expect(try await install.initd("status").status == 0, "the legacy pidfile of our agent counts")
        #expect(try await install.initd("restart").status == 0)
        let new = try #require(Processes.pid(inFile: install.pidfile))
        #expect(new != old)
        #expect(!Processes.isAlive(old))
        #expect(!FileManager.default.fileExists(atPath: install.legacyPidfile.path))
        #expect(Processes.pids(runningExecutable: install.binaryPath) == [new])
        try await install.agent.expectEcho(address: Self.address, port: Self.port)
    }

    /// The Python agent's pidfile has the legacy name: its process (not our binary) is never counted,
    /// stopped or its pidfile removed, whatever our script does.
    @Test func neverTouchesThePythonAgentsPidfile() async throws {
        let install = try await Self.install()
        defer { install.stopAgent() }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/bin/sleep")
        python.arguments = ["120"]
        try python.run()
        defer { python.terminate() }
        try FileManager.default.createDirectory(at: install.runDirectory, withIntermediateDirectories: true)
        try "\(python.processIdentifier)\n".write(to: install.legacyPidfile, atomically: true, encoding: .utf8)

        #expect(try await install.initd("status").status == 3)
        #expect(try await install.initd("stop").status == 0)
        #expect(try await install.initd("start").status == 0)
        let ours = try #require(Processes.pid(inFile: install.pidfile))
        #expect(try await install.initd("restart").status == 0)
        #expect(try await install.initd("stop").status == 0)
        #expect(!Processes.isAlive(ours))
        #expect(Processes.isAlive(python.processIdentifier))
        #expect(Processes.pid(inFile: install.legacyPidfile) == python.processIdentifier)
    }

    @Test func refusesWhatItCannotDo() async throws {
        let marker = "/tmp/zstack-packaging-tests/injected-\(UUID().uuidString)"
        let install = try await Self.install(defaults: ["AGENT_LOG_LEVEL='info; touch \(marker)'"])
        defer { install.stopAgent() }
        let usage = try await install.initd("frobnicate")
        #expect(usage.status == 2)
        #expect(usage.errorOutput.contains("usage"))
        // A hostile value reaches the agent as one argument; no shell ever runs it.
        _ = try await install.initd("start")
        #expect(!FileManager.default.fileExists(atPath: marker))
        install.stopAgent()
        try FileManager.default.removeItem(atPath: install.binaryPath)
        let missing = try await install.initd("start")
        #expect(missing.status == 5)
        #expect(missing.errorOutput.contains("missing"))
    }
}
