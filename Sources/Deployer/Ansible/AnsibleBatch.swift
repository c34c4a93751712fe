import Foundation
import HostSystem

/// One `ansible-playbook` process for a batch of hosts of one kind: a generated inventory (JSON, so no
/// value is ever parsed as INI or shell), known_hosts made of the pinned host keys, and ZStack's extra-vars.
struct AnsibleBatch: Sendable {
    struct Member: Sendable {
        var host: HostRecord
        /// ZStack's `init`: restart the agent even when no file changed (new hosts, reconnect).
        var restart: Bool
        /// Host variables of its own (its TLS files, its auth mode), under the deployer's connection variables.
        var variables: [String: String] = [:]
    }

    struct Result: Sendable {
        var succeeded: Bool
        var error: String?
        var tail: String
    }

    var ansiblePlaybook: String
    var key: DeployerKey
    var forks: Int
    var timeout: Duration
    var runner = ProcessRunner(outputLimit: 64 << 20)

    /// Runs the kind's playbook on `members` from `workspace` (created here, kept for post-mortems).
    func run(_ members: [Member], release: AgentRelease, catalog: ReleaseCatalog,
             extraVariables: [String: String], workspace: String) async -> [String: Result] {
        do {
            return try await runChecked(members, release: release, catalog: catalog, extraVariables: extraVariables,
                                        workspace: workspace)
        } catch {
            let result = Result(succeeded: false, error: "ansible-playbook could not run: \(error)", tail: "")
            return Dictionary(uniqueKeysWithValues: members.map { ($0.host.uuid, result) })
        }
    }

    private func runChecked(_ members: [Member], release: AgentRelease, catalog: ReleaseCatalog,
                            extraVariables: [String: String], workspace: String) async throws -> [String: Result] {
        let fm = FileManager.default
        try fm.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        // ssh's ControlPath must fit in a socket address (108 bytes): a short directory of its own.
        let controlDirectory = try Self.makeShortTemporaryDirectory()
        defer { try? fm.removeItem(atPath: controlDirectory) }

        let hostVariables = members.map(variables(of:))
        try inventory(members, hostVariables).write(to: URL(fileURLWithPath: workspace + "/inventory.json"))
        var extra = extraVariables
        extra[release.kind.packageVariable] = release.tarballName
        extra["pkg_dir"] = catalog.packageDirectory
        extra["extensions_dir"] = catalog.extensionsDirectory
        try JSONSerialization.data(withJSONObject: extra, options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: workspace + "/extra-vars.json"))
        try members.map { Self.knownHostsLine($0.host) }.joined(separator: "\n").appending("\n")
            .write(toFile: workspace + "/known_hosts", atomically: true, encoding: .utf8)
        try configuration(workspace: workspace, controlDirectory: controlDirectory)
            .write(toFile: workspace + "/ansible.cfg", atomically: true, encoding: .utf8)

        let exit = try await runner.execute(
            ansiblePlaybook,
            ["-i", workspace + "/inventory.json", "-e", "@" + workspace + "/extra-vars.json"]
                + Self.skippedTags(hostVariables: hostVariables, extraVariables: extra,
                                   hasExtensions: !release.extensionFiles.isEmpty)
                + [catalog.playbookDirectory + "/" + release.kind.playbook],
            environment: AnsibleOutput.environment(playbookDirectory: catalog.playbookDirectory)
                .merging(["ANSIBLE_CONFIG": workspace + "/ansible.cfg", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": nil]) { $1 },
            workingDirectory: workspace, timeout: timeout)
        let text = exit.output.text
        let errorText = String(decoding: exit.output.standardError, as: UTF8.self)
        try? (text + "\n--- stderr\n" + errorText).write(toFile: workspace + "/ansible.log", atomically: true, encoding: .utf8)
        let output = AnsibleOutput(text)
        var results: [String: Result] = [:]
        for member in members {
            let uuid = member.host.uuid
            let tail = output.tail(of: uuid)
            guard let recap = output.recaps[uuid] else {
                let why = errorText.split(separator: "\n").suffix(5).joined(separator: "\n")
                results[uuid] = Result(
                    succeeded: false,
                    error: "ansible-playbook (status \(exit.exitStatus.map(String.init) ?? "killed")) reported nothing for this host: \(why)",
                    tail: tail)
                continue
            }
            if recap.failed == 0 && recap.unreachable == 0 {
                results[uuid] = Result(succeeded: true, error: nil, tail: tail)
            } else {
                results[uuid] = Result(succeeded: false, error: output.failures[uuid] ?? "failed (see ansible.log in \(workspace))",
                                       tail: tail)
            }
        }
        return results
    }

    /// The batch's inventory: each host's variables under its uuid.
    private func inventory(_ members: [Member], _ hostVariables: [[String: String]]) throws -> Data {
        let hosts = Dictionary(uniqueKeysWithValues: zip(members.map(\.host.uuid), hostVariables))
        return try JSONSerialization.data(withJSONObject: ["all": ["hosts": hosts]], options: [.sortedKeys])
    }

    /// A member's inventory variables.
    private func variables(of member: Member) -> [String: String] {
        let host = member.host
        // Only allowed variables, should the store hold others from before the allow-list; the
        // connection variables below are the deployer's.
        var variables = PlaybookVariables.filtered(host.variables).merging(member.variables) { $1 }
        variables["ansible_host"] = host.address
        variables["ansible_port"] = String(host.sshPort)
        variables["ansible_user"] = host.user
        variables["ansible_ssh_private_key_file"] = host.privateKeyPath ?? key.privateKeyPath
        variables["ansible_become"] = host.become ? "true" : "false"
        variables["agent_port"] = String(host.agentPort)
        variables["init"] = member.restart ? "true" : "false"
        // ZStack's deployer variables.
        variables["host"] = host.address
        variables["host_uuid"] = host.uuid
        variables["remote_user"] = host.user
        variables["remote_port"] = String(host.sshPort)
        return variables
    }

    /// `--skip-tags` for the tasks of Playbooks/tasks/agent.yaml that do nothing on any host of the batch. Ansible
    /// starts a worker per host for a task even to skip it (about 2 s for 50 hosts on two cores, with the
    /// templating of its condition), and the deployer knows these from what it gives the batch: skip_packages
    /// everywhere, no host name to set, every tarball pushed, no host with credentials to copy, no host enabled
    /// at boot, no extension of this kind in the release. The settings check goes too when all the tasks between
    /// it and the install do: the install refuses the same settings before it changes anything. Extra-vars beat
    /// the inventory, as in ansible.
    static func skippedTags(hostVariables: [[String: String]], extraVariables: [String: String],
                            hasExtensions: Bool) -> [String] {
        func value(_ name: String, _ host: [String: String]) -> String? { extraVariables[name] ?? host[name] }
        func values(_ name: String) -> [String?] { hostVariables.map { value(name, $0) } }
        // Ansible's `bool` filter: these words (any case) are true, everything else false.
        func isTrue(_ value: String?) -> Bool { ["yes", "on", "1", "true"].contains(value?.lowercased() ?? "") }
        // The task's condition: enable_at_boot, by default whether the init scripts go to /etc/init.d; never in a chroot.
        func enabledAtBoot(_ host: [String: String]) -> Bool {
            let enabled = value("enable_at_boot", host).map(isTrue) ?? ((value("initd_dir", host) ?? "/etc/init.d") == "/etc/init.d")
            return enabled && !isTrue(value("chroot_env", host))
        }
        let betweenCheckAndInstall: [(tag: String, skipped: Bool)] = [
            ("zstack_packages", values("skip_packages").allSatisfy(isTrue)),
            ("zstack_hostname", values("hostname").allSatisfy { ($0 ?? "").isEmpty }),
            ("zstack_tarball_copy", values(TarballPush.pushedVariable).allSatisfy { $0 != nil }),
            ("zstack_credentials", values("agent_auth").allSatisfy { !["mtls", "token"].contains($0 ?? "") }),
        ]
        var tags = betweenCheckAndInstall.filter(\.skipped).map(\.tag)
        if betweenCheckAndInstall.allSatisfy(\.skipped) { tags.insert("zstack_settings_check", at: 0) }
        if !hostVariables.contains(where: enabledAtBoot) { tags.append("zstack_boot") }
        if !hasExtensions { tags.append("zstack_extensions") }
        return tags.isEmpty ? [] : ["--skip-tags", tags.joined(separator: ",")]
    }

    private func configuration(workspace: String, controlDirectory: String) -> String {
        """
        [defaults]
        forks = \(max(1, forks))
        host_key_checking = True
        interpreter_python = auto_silent
        retry_files_enabled = False
        timeout = 30
        [ssh_connection]
        pipelining = True
        control_path_dir = \(controlDirectory)
        control_path = %(directory)s/%%C
        ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=\(workspace)/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o PasswordAuthentication=no

        """
    }

    static func knownHostsLine(_ host: HostRecord) -> String {
        (host.sshPort == 22 ? host.address : "[\(host.address)]:\(host.sshPort)") + " " + host.hostKey
    }

    private static func makeShortTemporaryDirectory() throws -> String {
        var template = Array("/tmp/zdcp.XXXXXX".utf8CString)
        guard let pointer = mkdtemp(&template) else {
            throw DeployerError(.environment, "cannot create a directory in /tmp for ssh control sockets")
        }
        return String(cString: pointer)
    }
}
