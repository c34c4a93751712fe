import TestSupport
@testable import Deployer
import Foundation

/// One host of an inventory: the test host, its install root and the agent's address and port there.
struct InventoryHost {
    var host: TestHost
    var install: InstallRoot
    var agentPort: Int
}

/// The per-host recap counts, read by the deployer's own decoder of the playbooks' JSON callback.
typealias HostRecap = AnsibleOutput.Recap

/// A temporary directory with a generated ansible.cfg and inventory for a set of test hosts.
struct AnsibleWorkspace {
    var directory: URL
    var hosts: [InventoryHost]

    init(hosts: [InventoryHost]) async throws {
        guard (try? await Program.run(["ansible-playbook", "--version"]))?.status == 0 else {
            throw ProgramError(description: "ansible-playbook is missing: run scripts/install-deps (ansible-core)")
        }
        self.hosts = hosts
        directory = try Repository.temporaryDirectory("ansible")
        // Fast and unattended: no host-key prompts (test hosts get fresh keys), pipelining, one ssh
        // master per host kept briefly so the test's consecutive runs reuse it.
        let config = """
            [defaults]
            host_key_checking = False
            interpreter_python = /usr/bin/python3
            retry_files_enabled = False
            forks = 20
            [ssh_connection]
            pipelining = True
            control_path_dir = \(directory.path)/cp
            ssh_args = -o ControlMaster=auto -o ControlPersist=20s -o UserKnownHostsFile=/dev/null
            """
        try config.write(to: directory.appendingPathComponent("ansible.cfg"), atomically: true, encoding: .utf8)
        var lines = ["[agents]"]
        for entry in hosts {
            var vars = entry.install.playbookVariables
            vars["ansible_host"] = entry.host.address
            vars["ansible_port"] = String(entry.host.sshPort)
            vars["ansible_user"] = "root"
            vars["ansible_ssh_private_key_file"] = entry.host.key
            vars["agent_listen"] = entry.host.address
            vars["agent_port"] = String(entry.agentPort)
            lines.append(([entry.host.name] + vars.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
                .joined(separator: " "))
        }
        try (lines.joined(separator: "\n") + "\n")
            .write(to: directory.appendingPathComponent("inventory"), atomically: true, encoding: .utf8)
    }

    /// Runs `Playbooks/<playbook>` against every host; a failed run throws with ansible's output.
    func run(playbook: String, extraVariables: [String: String], skippingTags: [String] = []) async throws -> [String: HostRecap] {
        let extra = String(decoding: try JSONEncoder().encode(extraVariables), as: UTF8.self)
        let result = try await Program.check(
            ["ansible-playbook", "-i", directory.appendingPathComponent("inventory").path, "-e", extra]
                + (skippingTags.isEmpty ? [] : ["--skip-tags", skippingTags.joined(separator: ",")])
                + [Repository.root.appendingPathComponent("Playbooks/\(playbook)").path],
            environment: AnsibleOutput.environment(playbookDirectory: Repository.root.appendingPathComponent("Playbooks").path)
                .compactMapValues { $0 }
                .merging(["ANSIBLE_CONFIG": directory.appendingPathComponent("ansible.cfg").path, "ANSIBLE_NOCOLOR": "1"]) { $1 })
        let recap = AnsibleOutput(result.output).recaps
        guard recap.count == hosts.count else {
            throw ProgramError(description: "no recap for every host: \(result.transcript)")
        }
        return recap
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
