import Foundation

/// Where one agent lives under a private root directory (a test host's ROOT, or a scratch dir): the
/// same layout the playbooks create under `/`, with every path moved inside `root`.
struct InstallRoot {
    var root: URL
    var agent: AgentSpec

    var zstackRoot: URL { root.appendingPathComponent("var/lib/zstack") }
    var agentHome: URL { zstackRoot.appendingPathComponent(agent.name) }
    var initDirectory: URL { root.appendingPathComponent("etc/init.d") }
    var initScript: URL { initDirectory.appendingPathComponent(agent.executable) }
    var defaultsDirectory: URL { root.appendingPathComponent("etc/default") }
    var defaultsFile: URL { defaultsDirectory.appendingPathComponent(agent.executable) }
    var runDirectory: URL { root.appendingPathComponent("var/run/zstack") }
    var logDirectory: URL { root.appendingPathComponent("var/log/zstack") }
    var pidfile: URL { runDirectory.appendingPathComponent("\(agent.name).pid") }
    var logFile: URL { logDirectory.appendingPathComponent("zstack-\(agent.name).log") }
    /// The path the init script starts (through the `current` link), i.e. the agent's argv[0].
    var binaryPath: String { agentHome.appendingPathComponent("current/bin/\(agent.executable)").path }

    /// Runs the installed init script with `action`, pointed at this root's defaults file.
    func initd(_ action: String) throws -> ProgramResult {
        try Program.run([initScript.path, action], environment: ["ZSTACK_AGENT_DEFAULTS": defaultsFile.path])
    }

    /// The playbook variables that put everything inside `root`.
    var playbookVariables: [String: String] {
        [
            "zstack_root": zstackRoot.path,
            "initd_dir": initDirectory.path,
            "defaults_dir": defaultsDirectory.path,
            "run_dir": runDirectory.path,
            "log_dir": logDirectory.path,
        ]
    }

    /// Stops the agent if its init script is installed; never throws, so it can run in `defer`.
    func stopAgent() {
        guard FileManager.default.fileExists(atPath: initScript.path) else { return }
        _ = try? initd("stop")
    }
}
