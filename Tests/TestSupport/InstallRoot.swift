import Foundation

/// Where one agent lives under a private root directory (a test host's ROOT, or a scratch dir): the
/// same layout the playbooks create under `/`, with every path moved inside `root`.
public struct InstallRoot: Sendable {
    public var root: URL
    public var agent: AgentSpec

    public init(root: URL, agent: AgentSpec) {
        self.root = root
        self.agent = agent
    }

    public var zstackRoot: URL { root.appendingPathComponent("var/lib/zstack") }
    public var agentHome: URL { zstackRoot.appendingPathComponent(agent.name) }
    public var initDirectory: URL { root.appendingPathComponent("etc/init.d") }
    public var initScript: URL { initDirectory.appendingPathComponent(agent.executable) }
    public var defaultsDirectory: URL { root.appendingPathComponent("etc/default") }
    public var defaultsFile: URL { defaultsDirectory.appendingPathComponent(agent.executable) }
    public var runDirectory: URL { root.appendingPathComponent("var/run/zstack") }
    public var logDirectory: URL { root.appendingPathComponent("var/log/zstack") }
    /// `swift-<agent>.pid`: never the Python agent's name (initd/zstack-agent-init.sh).
    public var pidfile: URL { runDirectory.appendingPathComponent("swift-\(agent.name).pid") }
    /// The name earlier releases used, which is also the Python agent's (`kvmagent.pid`).
    public var legacyPidfile: URL { runDirectory.appendingPathComponent("\(agent.name).pid") }
    public var logrotateDirectory: URL { root.appendingPathComponent("etc/logrotate.d") }
    public var logFile: URL { logDirectory.appendingPathComponent("zstack-\(agent.name).log") }
    /// The path the init script starts (through the `current` link), i.e. the agent's argv[0].
    public var binaryPath: String { agentHome.appendingPathComponent("current/bin/\(agent.executable)").path }

    /// Runs the installed init script with `action`, pointed at this root's defaults file.
    public func initd(_ action: String) async throws -> ProgramResult {
        try await Program.run([initScript.path, action], environment: ["ZSTACK_AGENT_DEFAULTS": defaultsFile.path])
    }

    /// The playbook variables that put everything inside `root`.
    public var playbookVariables: [String: String] {
        [
            "zstack_root": zstackRoot.path,
            "initd_dir": initDirectory.path,
            "defaults_dir": defaultsDirectory.path,
            "run_dir": runDirectory.path,
            "log_dir": logDirectory.path,
            "logrotate_dir": logrotateDirectory.path,
        ]
    }

    /// Kills the agent named in the pidfile, if one runs, and removes the pidfile: cleanup after a test,
    /// never throwing and synchronous so it can run in `defer` (the tests of `stop` itself use `initd`).
    public func stopAgent() {
        guard let pid = Processes.pid(inFile: pidfile) else { return }
        if Processes.isAlive(pid) {
            kill(pid, SIGKILL)
            // Reaps it if the test process adopted it; SIGKILL leaves nothing to wait for otherwise.
            for _ in 0..<100 where Processes.isAlive(pid) { usleep(10_000) }
        }
        try? FileManager.default.removeItem(at: pidfile)
    }
}
