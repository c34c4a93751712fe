import Foundation

/// The playbook variables a caller may set, per host (`--var`, a hosts file's `variables`, the API) or for
/// every run (`ansible.var.<name>`). Both end up where ansible reads them as its own settings, so anything
/// else is refused: `ansible_ssh_common_args=-o ProxyCommand=...` would run a command on this machine,
/// `ansible_connection=local` would deploy onto it, and `pkg_dir`, `agent_tls_key` and the like would make
/// ansible copy a file of this machine to the host. The allowed names are the ones Playbooks/tasks/agent.yaml
/// documents as the caller's to choose.
public enum PlaybookVariables {
    /// Documented in Playbooks/tasks/agent.yaml's header; keep the two lists the same.
    public static let allowed: Set<String> = [
        "zstack_root", "initd_dir", "defaults_dir", "run_dir", "log_dir",
        "agent_listen", "agent_log_level", "agent_extra_args", "agent_start_timeout",
        "libvirt_uri", "hostname", "chroot_env", "skip_packages", "enable_at_boot",
        "logrotate_dir", "agent_storage_roots", "agent_import_dirs", "agent_allow_from",
    ]

    /// Set by the deployer from the host's record and the release (AnsibleBatch), never by a caller.
    static let deployerSet: Set<String> = ["host", "host_uuid", "remote_user", "remote_port", "init", "agent_port",
                                           TarballPush.pushedVariable, TarballPush.md5Variable]

    /// Control-machine files the playbooks copy to the host.
    static let deployerFiles: Set<String> = ["agent_tls_cert", "agent_tls_key", "agent_tls_ca", "pkg_dir", "extensions_dir"]

    /// `agent_extra_args` reaches the agent's command line through the defaults file the init script sources;
    /// it is quoted there, but a value that needs no shell to mean what it says is the only safe one.
    static let shellMetacharacters = Set(";&|$`<>(){}[]*?!~#'\"\\")

    /// The first problem with a variable (name and value), or nil. The refusal names the variable and says why.
    public static func problem(name: String, value: String) -> String? {
        guard let first = name.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first),
              name.unicodeScalars.allSatisfy({ $0 == "_" || CharacterSet.alphanumerics.contains($0) && $0.isASCII })
        else { return "variable name \(name.debugDescription) is not an identifier" }
        if let reason = refusal(name) { return "variable \(name) is not allowed: \(reason)" }
        if holdsTemplateMarkers(value) {
            return "variable \(name): template markers ({{, {%, {#) are not allowed in values"
        }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "variable \(name): control characters (newlines, tabs...) are not allowed in values"
        }
        if name == "agent_extra_args", let bad = value.first(where: shellMetacharacters.contains) {
            return "variable agent_extra_args: shell metacharacters such as \(String(bad).debugDescription) are not allowed"
        }
        return nil
    }

    /// Ansible templates inventory and extra-var values (and paths it is given): a `{{ ... }}` in one would be
    /// code run on this machine.
    static func holdsTemplateMarkers(_ text: String) -> Bool {
        ["{{", "{%", "{#"].contains(where: text.contains)
    }

    /// Keeps only allowed variables: hosts and settings stored before this check existed must not reach ansible.
    static func filtered(_ variables: [String: String]) -> [String: String] {
        variables.filter { problem(name: $0.key, value: $0.value) == nil }
    }

    private static func refusal(_ name: String) -> String? {
        if name.lowercased().hasPrefix("ansible_") {
            return "ansible_* variables choose how ansible connects and runs (ssh arguments, connection, become, "
                + "interpreter); they could run commands on the deployer or deploy onto it, and the deployer sets "
                + "the ones it needs itself"
        }
        if name == "agent_auth" {
            return "the deployer sets it from the setting agent.auth (and pushes the TLS files of `zstack-deploy ca`)"
        }
        if deployerSet.contains(name) || name.hasPrefix("pkg_") && name != "pkg_dir" {
            return "the deployer sets it itself from the host's record and the release"
        }
        if deployerFiles.contains(name) || name.hasSuffix("_file") || name.hasSuffix("_path") {
            return "it names a file on the deployer's machine that ansible would copy to the host"
        }
        if !allowed.contains(name) {
            return "not a documented playbook variable; allowed: \(allowed.sorted().joined(separator: ", "))"
        }
        return nil
    }
}
