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
    public var pidfile: URL { runDirectory.appendingPathComponent("\(agent.name).pid") }
    public var logrotateDirectory: URL { root.appendingPathComponent("etc/logrotate.d") }
    public var logFile: URL { logDirectory.appendingPathComponent("zstack-\(agent.name).log") }
    /// The path the init script starts (through the `current` link), i.e. the agent's argv[0].
    public var binaryPath: String { agentHome.appendingPathComponent("current/bin/\(agent.executable)").path }

    /// Runs the installed init script with `action`, pointed at this root's defaults file.
    public func initd(_ action: String) throws -> ProgramResult {
        try Program.run([initScript.path, action], environment: ["ZSTACK_AGENT_DEFAULTS": defaultsFile.path])
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

    /// Stops the agent if its init script is installed; never throws, so it can run in `defer`.
    public func stopAgent() {
        guard FileManager.default.fileExists(atPath: initScript.path) else { return }
        _ = try? initd("stop")
    }
}
