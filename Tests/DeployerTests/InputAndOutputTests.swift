@testable import Deployer
import TestSupport
import Foundation
import Testing

/// What reaches ssh, inventories and templates is checked first; what ansible prints is read per host.
struct InputAndOutputTests {
    @Test(arguments: [
        "; rm -rf /", "../etc", "-oProxyCommand=id", "host name", "a$(id)", "",
    ])
    func refusesHostileAddresses(address: String) {
        #expect(HostInput(address: address, password: "x").problem()?.contains("is not an IP address or host name") == true)
    }

    @Test func refusesHostileUsersVariablesAndMissingCredentials() {
        #expect(HostInput(address: "10.0.0.1", user: "root;id", password: "x").problem() != nil)
        #expect(HostInput(address: "10.0.0.1", user: "-oX", password: "x").problem() != nil)
        #expect(HostInput(address: "10.0.0.1").problem()?.contains("give a password") == true)
        #expect(HostInput(address: "10.0.0.1", password: "x", variables: ["zstack_root": "{{ lookup('pipe', 'id') }}"]).problem()?
            .contains("template markers") == true)
        #expect(HostInput(address: "10.0.0.1", password: "x", variables: ["bad-name": "1"]).problem()?
            .contains("not an identifier") == true)
        #expect(HostInput(address: "10.0.0.1", sshPort: 70000, password: "x").problem() != nil)
        #expect(HostInput(address: "10.0.0.1", password: "p; rm -rf /", variables: ["zstack_root": "/var/lib/zstack"]).problem() == nil,
                "a password may hold anything: it is never parsed")
    }

    @Test func variablesOnlyFromTheAllowList() {
        for name in PlaybookVariables.allowed {
            #expect(PlaybookVariables.problem(name: name, value: "/var/lib/zstack") == nil, "\(name)")
            #expect(Setting.problem(key: "ansible.var.\(name)", value: "true") == nil, "\(name)")
        }
        let connection = "ansible_* variables choose how ansible connects"
        let file = "names a file on the deployer's machine"
        let own = "the deployer sets it itself"
        for (name, reason) in [
            ("ansible_ssh_common_args", connection), ("ansible_connection", connection), ("ansible_become_exe", connection),
            ("ansible_python_interpreter", connection), ("ANSIBLE_HOST", connection), ("ansible_ssh_private_key_file", connection),
            ("agent_tls_cert", file), ("agent_tls_key", file), ("agent_tls_ca", file), ("pkg_dir", file),
            ("extensions_dir", file), ("ca_file", file), ("key_path", file),
            ("host", own), ("host_uuid", own), ("remote_user", own), ("remote_port", own), ("init", own),
            ("agent_port", own), ("pkg_kvmagent", own),
            ("agent_args", "not a documented playbook variable; allowed: agent_allow_from, agent_extra_args, agent_import_dirs"),
            ("agent_auth", "the deployer sets it from the setting agent.auth"),
            ("os_packages", "not a documented playbook variable"),
        ] {
            let problem = PlaybookVariables.problem(name: name, value: "x")
            #expect(problem?.hasPrefix("variable \(name) is not allowed: ") == true && problem?.contains(reason) == true,
                    "\(name): \(problem ?? "nil")")
            #expect(HostInput(address: "10.0.0.1", password: "x", variables: [name: "x"]).problem() == problem)
            #expect(Setting.problem(key: "ansible.var.\(name)", value: "x") == problem)
        }
        #expect(PlaybookVariables.problem(name: "agent_extra_args", value: "--log-level debug --state-dir=/var/lib/x,y:1@z") == nil)
        for value in ["--x; id", "$(id)", "`id`", "a|b", "a && b", "a > /etc/passwd", "a\nb", "'quoted'", "a\\b", "~root", "*"] {
            #expect(PlaybookVariables.problem(name: "agent_extra_args", value: value) != nil, "\(value.debugDescription)")
        }
        #expect(Setting.problem(key: "ansible.var.agent_extra_args", value: "a\nb")?.contains("control characters") == true)
        #expect(PlaybookVariables.filtered(["zstack_root": "/z", "ansible_connection": "local"]) == ["zstack_root": "/z"])
    }

    @Test func privateKeyFilesMustBePrivateRegularFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("id_ed25519").path
        let open = directory.appendingPathComponent("open").path
        let link = directory.appendingPathComponent("link").path
        _ = FileManager.default.createFile(atPath: key, contents: Data("k".utf8), attributes: [.posixPermissions: 0o600])
        _ = FileManager.default.createFile(atPath: open, contents: Data("k".utf8), attributes: [.posixPermissions: 0o604])
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: key)
        func problem(_ path: String) -> String? { HostInput(address: "10.0.0.1", privateKeyPath: path).problem() }
        #expect(problem(key) == nil)
        for (path, expected) in [
            ("id_ed25519", "must be an absolute path"), (directory.path + "/../x/id_ed25519", "must not contain '..'"),
            ("/tmp/{{ lookup('pipe','id') }}", "template markers"), ("/tmp/a key", "whitespace or control characters"),
            ("/tmp/a\tkey", "whitespace or control characters"), (directory.path + "/missing", "does not exist"),
            (link, "is a symbolic link"), (directory.path, "is not a regular file"),
            (open, "accessible by group or others (mode 604)"),
        ] {
            #expect(problem(path)?.contains(expected) == true, "\(path): \(problem(path) ?? "nil")")
        }
        #expect(HostInput(address: "10.0.0.1", password: "x", hostKeyFingerprint: "SHA256:" + String(repeating: "A", count: 43))
            .problem() == nil)
        #expect(HostInput(address: "10.0.0.1", password: "x", hostKeyFingerprint: "SHA256:short").problem()?
            .contains("is not 'SHA256:<base64>'") == true)
    }

    @Test func validatesSettings() {
        #expect(Setting.problem(key: "upgrade.batchSize", value: "100") == nil)
        #expect(Setting.problem(key: "upgrade.batchSize", value: "0") != nil)
        #expect(Setting.problem(key: "upgrade.batchSize", value: "ten") != nil)
        #expect(Setting.problem(key: "upgrade.maxFailPercent", value: "101") != nil)
        #expect(Setting.problem(key: "ansible.var.skip_packages", value: "true") == nil)
        #expect(Setting.problem(key: "ansible.var.x", value: "{{ 7*7 }}") != nil)
        #expect(Setting.problem(key: "no.such.key", value: "1")?.contains("unknown setting") == true)
        #expect(Setting.problem(key: "runs.keep", value: "0") != nil)
        #expect(Setting.problem(key: "runs.keep", value: "50") == nil)
    }

    @Test func readsFailuresPerHostFromAnsibleOutput() {
        let output = AnsibleOutput(#"""
            {"event": "ok", "host": "aaa", "task": "Check settings"}
            {"event": "failed", "host": "bbb", "ignored": false, "msg": "bad setting: pkg kvmagent-1.tar.gz", "stderr": "", "task": "Check settings"}
            {"event": "unreachable", "host": "ccc", "msg": "Failed to connect to the host via ssh: Host key verification failed.", "stderr": "", "task": "Check settings"}
            [WARNING]: a stray line that is not the callback's
            {"event": "failed", "host": "aaa", "ignored": true, "msg": "tolerated", "stderr": "", "task": "Probe"}
            {"event": "changed", "host": "aaa", "task": "Restart the agent"}
            {"event": "failed", "host": "bbb", "ignored": false, "msg": "non-zero return code", "stderr": "later", "task": "Restart the agent"}
            {"event": "stats", "hosts": {"aaa": {"changed": 7, "failures": 0, "ignored": 1, "ok": 13, "rescued": 0, "skipped": 7, "unreachable": 0}, "bbb": {"changed": 0, "failures": 1, "ignored": 0, "ok": 1, "rescued": 0, "skipped": 0, "unreachable": 0}, "ccc": {"changed": 0, "failures": 0, "ignored": 0, "ok": 0, "rescued": 0, "skipped": 0, "unreachable": 1}}}
            """#)
        #expect(output.recaps["aaa"] == AnsibleOutput.Recap(ok: 13, changed: 7, unreachable: 0, failed: 0))
        #expect(output.recaps["bbb"]?.failed == 1)
        #expect(output.recaps["ccc"]?.unreachable == 1)
        #expect(output.failures["aaa"] == nil, "an ignored failure is no failure")
        #expect(output.failures["bbb"] == "task 'Check settings' failed: bad setting: pkg kvmagent-1.tar.gz")
        #expect(output.failures["ccc"] == "unreachable at task 'Check settings': Failed to connect to the host via ssh: Host key verification failed.")
        #expect(output.tail(of: "aaa") == "ok: Check settings\nfailed (ignored): Probe => tolerated\nchanged: Restart the agent")
        #expect(output.tail(of: "bbb", lines: 1) == "failed: Restart the agent => non-zero return code: later")
    }

    /// The callback is a plugin of the playbooks, run by the ansible-playbook installed here.
    @Test func theCallbackPluginReportsARealRun() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let playbook = directory.appendingPathComponent("play.yaml").path
        try """
            - hosts: all
              gather_facts: false
              tasks:
                - name: Succeed
                  ansible.builtin.command: "true"
                - name: Fail on bad
                  ansible.builtin.command: "sh -c 'echo broken >&2; exit 3'"
                  when: inventory_hostname == 'bad'
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        let playbooks = Repository.root.appendingPathComponent("Playbooks").path
        let exit = try await Program.run(["ansible-playbook", "-i", "good,bad,", "-c", "local", playbook],
                                   environment: AnsibleOutput.environment(playbookDirectory: playbooks).compactMapValues { $0 })
        let output = AnsibleOutput(exit.output)
        #expect(output.recaps["good"] == AnsibleOutput.Recap(ok: 1, changed: 1, unreachable: 0, failed: 0), "\(exit.transcript)")
        #expect(output.recaps["bad"]?.failed == 1)
        #expect(output.failures["bad"] == "task 'Fail on bad' failed: non-zero return code: broken")
        #expect(output.tail(of: "good") == "changed: Succeed\nskipped: Fail on bad")
        #expect(!FileManager.default.fileExists(atPath: playbooks + "/callback_plugins/__pycache__"))
    }

    @Test func parsesMD5SumOutput() {
        let sums = FileMD5.parse("""
            0123456789abcdef0123456789abcdef  /var/lib/zstack/kvmagent/package/kvmagent-1.tar.gz
            fedcba9876543210fedcba9876543210 */etc/init.d/zstack-kvmagent
            md5sum: /missing: No such file or directory
            """)
        #expect(sums == ["/var/lib/zstack/kvmagent/package/kvmagent-1.tar.gz": "0123456789abcdef0123456789abcdef",
                         "/etc/init.d/zstack-kvmagent": "fedcba9876543210fedcba9876543210"])
    }

    @Test func inventoryFilesAreReadableByTheirOwnerOnly() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inventory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("inventory.sqlite").path
        let inventory = try await Inventory(location: path)
        try await inventory.setSetting("upgrade.batchSize", "5")
        for file in [path, path + "-wal"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        #expect(await inventory.integer(Setting.batchSize) == 5)
    }
}

/// The playbook tasks a batch skips by tag: only those that would do nothing on every one of its hosts.
struct SkippedTagsTests {
    static let all = "zstack_settings_check,zstack_packages,zstack_hostname,zstack_tarball_copy,zstack_credentials,"
        + "zstack_boot,zstack_extensions"
    let pushed = ["agent_pushed_tarball": "/tmp/p/kvmagent-1.tar.gz", "skip_packages": "True", "initd_dir": "/tmp/p/etc/init.d"]

    @Test func aBatchThatNeedsNoneOfThemSkipsThemAll() {
        #expect(AnsibleBatch.skippedTags(hostVariables: [pushed, pushed], extraVariables: [:], hasExtensions: false)
                == ["--skip-tags", Self.all])
    }

    @Test func oneHostThatNeedsATaskKeepsItForTheBatch() {
        func skipped(_ other: [String: String], extra: [String: String] = [:], extensions: Bool = false) -> [String] {
            AnsibleBatch.skippedTags(hostVariables: [pushed, pushed.merging(other) { $1 }], extraVariables: extra,
                                     hasExtensions: extensions).last?.split(separator: ",").map(String.init) ?? []
        }
        #expect(!skipped(["skip_packages": "false"]).contains("zstack_packages"))
        #expect(!skipped(["skip_packages": "y"]).contains("zstack_packages"), "ansible's bool filter: 'y' is false")
        #expect(skipped(["skip_packages": "false"], extra: ["skip_packages": "yes"]).contains("zstack_packages"),
                "extra-vars beat the inventory")
        #expect(!skipped(["hostname": "kvm-1"]).contains("zstack_hostname"))
        var unpushed = pushed
        unpushed["agent_pushed_tarball"] = nil
        #expect(!AnsibleBatch.skippedTags(hostVariables: [pushed, unpushed], extraVariables: [:], hasExtensions: false)
            .joined().contains("zstack_tarball_copy"))
        #expect(!skipped(["agent_auth": "mtls"]).contains("zstack_credentials"))
        #expect(!skipped(["agent_auth": "token"]).contains("zstack_credentials"))
        #expect(skipped(["agent_auth": "none"]).contains("zstack_credentials"))
        #expect(!skipped([:], extensions: true).contains("zstack_extensions"))

        // The settings check, only when nothing runs between it and the install (which refuses bad settings too).
        #expect(skipped([:]).contains("zstack_settings_check"))
        #expect(!skipped(["skip_packages": "false"]).contains("zstack_settings_check"))
        #expect(!skipped(["hostname": "kvm-1"]).contains("zstack_settings_check"))
        #expect(!skipped(["agent_auth": "token"]).contains("zstack_settings_check"))
        #expect(!AnsibleBatch.skippedTags(hostVariables: [pushed, unpushed], extraVariables: [:], hasExtensions: false)
            .joined().contains("zstack_settings_check"))

        // Boot links: the task's own condition (enable_at_boot, else init scripts in /etc/init.d; not in a chroot).
        var defaultInitd = pushed
        defaultInitd["initd_dir"] = nil
        #expect(!AnsibleBatch.skippedTags(hostVariables: [pushed, defaultInitd], extraVariables: [:], hasExtensions: false)
            .joined().contains("zstack_boot"), "initd_dir's default is /etc/init.d")
        #expect(!skipped(["initd_dir": "/etc/init.d"]).contains("zstack_boot"))
        #expect(!skipped(["enable_at_boot": "true"]).contains("zstack_boot"))
        #expect(skipped(["initd_dir": "/etc/init.d", "enable_at_boot": "no"]).contains("zstack_boot"))
        #expect(skipped(["initd_dir": "/etc/init.d", "chroot_env": "True"]).contains("zstack_boot"))
        #expect(skipped(["initd_dir": "/etc/init.d"], extra: ["enable_at_boot": "false"]).contains("zstack_boot"),
                "extra-vars beat the inventory")
    }

    /// Every tag the deployer may skip names tasks of the shared playbook (a renamed tag would silently skip
    /// nothing), and a playbook run without the deployer skips nothing: the tasks keep their own conditions.
    @Test func everyTagIsOnAPlaybookTaskThatHasItsOwnCondition() throws {
        let tasks = try String(contentsOf: Repository.root.appendingPathComponent("Playbooks/tasks/agent.yaml"), encoding: .utf8)
        for tag in Self.all.split(separator: ",") {
            let task = try #require(tasks.components(separatedBy: "\n    - name: ").first { $0.contains("tags: [\(tag)]") },
                                    "no task tagged \(tag)")
            #expect(task.contains("when:") || task.contains("loop:"), "\(tag): \(task)")
        }
    }
}
