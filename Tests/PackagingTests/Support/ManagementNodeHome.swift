import TestSupport
import Foundation

/// A ZStack management node's home as its AnsibleRunner uses it, with ZStack's Python modules in place until
/// `mn-kit install` swaps them: the classpath modules (`.../WEB-INF/classes/ansible/<module>`), their deployed
/// copies under `ansible/files/` with `ansible/<module>.py` linked into them (AnsibleFacadeImpl.deployModule),
/// the MN's zstacklib tarball, `ansible/hosts` (PrepareAnsible: one address a line) and `ansible/ansible.cfg`
/// (the `Ansible.cfg.*` settings of ZStack's zstack.properties).
struct ManagementNodeHome {
    static let packages = ["kvm": "kvmagent-5.2.0.tar.gz", "sftpbackupstorage": "sftpbackupstorage-5.2.0.tar.gz"]
    static let zstacklibPackage = "zstacklib-5.2.0.tar.gz"
    /// The Python entry point each original module holds: a stand-in that fails, so a test that ran it would know.
    static let pythonEntryPoint = "import sys\nsys.exit('the Python playbook ran')\n"

    var home: URL
    var classes: URL { home.appendingPathComponent("apache-tomcat/webapps/zstack/WEB-INF/classes") }
    var ansible: URL { home.appendingPathComponent("ansible") }
    var zstacklibRoot: URL { ansible.appendingPathComponent("files/zstacklib") }

    init(home: URL, hosts: [String]) throws {
        self.home = home
        let fm = FileManager.default
        for (module, package) in Self.packages {
            let original = classes.appendingPathComponent("ansible/\(module)")
            try fm.createDirectory(at: original, withIntermediateDirectories: true)
            try Self.pythonEntryPoint.write(to: original.appendingPathComponent("\(module).py"), atomically: true, encoding: .utf8)
            try "the Python agent\n".write(to: original.appendingPathComponent(package), atomically: true, encoding: .utf8)
        }
        let zstacklib = classes.appendingPathComponent("ansible/zstacklib")
        try fm.createDirectory(at: zstacklib, withIntermediateDirectories: true)
        try "zstacklib of the MN\n".write(to: zstacklib.appendingPathComponent(Self.zstacklibPackage), atomically: true, encoding: .utf8)
        for module in Self.packages.keys.sorted() + ["zstacklib"] { try deploy(module: module) }
        try (hosts.joined(separator: "\n")).write(to: ansible.appendingPathComponent("hosts"), atomically: true, encoding: .utf8)
        try """
            [defaults]
            forks = 100
            inventory = \(ansible.path)/hosts
            host_key_checking = False
            pipelining = True
            [ssh_connection]
            ssh_args = -C -o ControlMaster=auto -o ControlPersist=20s -o UserKnownHostsFile=/dev/null
            """.write(to: ansible.appendingPathComponent("ansible.cfg"), atomically: true, encoding: .utf8)
    }

    /// What the MN does at start for each module: copy the classpath module to `ansible/files/` when a file
    /// differs (AnsibleFacadeImpl.isNeedToDeploy) and link `ansible/<module>.py` into it.
    func deploy(module: String) throws {
        let fm = FileManager.default
        let source = classes.appendingPathComponent("ansible/\(module)")
        let deployed = ansible.appendingPathComponent("files/\(module)")
        try fm.createDirectory(at: deployed.deletingLastPathComponent(), withIntermediateDirectories: true)
        if fm.fileExists(atPath: deployed.path) { try fm.removeItem(at: deployed) }
        try fm.copyItem(at: source, to: deployed)
        let link = ansible.appendingPathComponent("\(module).py")
        try? fm.removeItem(at: link)
        if fm.fileExists(atPath: deployed.appendingPathComponent("\(module).py").path) {
            try fm.createSymbolicLink(at: link, withDestinationURL: deployed.appendingPathComponent("\(module).py"))
        }
    }

    /// Whether the MN would copy `module` again at start: a file of the classpath module missing from the
    /// deployed copy or with another MD5, or another number of files (isNeedToDeploy's comparison by name).
    func moduleDiffers(_ module: String) async throws -> Bool {
        func digests(_ root: URL) async throws -> [String: String] {
            var result: [String: String] = [:]
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = walker?.nextObject() as? URL {
                guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
                result[String(url.path.dropFirst(root.path.count))] = try await AgentTarball.md5(of: url)
            }
            return result
        }
        return try await digests(classes.appendingPathComponent("ansible/\(module)"))
            != digests(ansible.appendingPathComponent("files/\(module)"))
    }

    /// The variables AnsibleFacadeImpl.collectArguments passes for KVMHost's or SftpBackupStorage's deploy
    /// (their DeployArguments through Gson, nulls omitted, plus host, mn_ip, zstack_root, pkg_zstacklib and
    /// the Ansible.var.* defaults); `newlyAdded` is AddKVMHost (init), not a reconnect.
    func arguments(module: String, host: TestHost, newlyAdded: Bool) -> [String: String] {
        arguments(module: module, address: host.address, sshPort: host.sshPort, newlyAdded: newlyAdded)
    }

    func arguments(module: String, address: String, sshPort: Int, newlyAdded: Bool) -> [String: String] {
        var arguments = [
            "pip_url": "http://127.0.0.1:8080/zstack/static/pypi/simple", "trusted_host": "127.0.0.1",
            "yum_server": "127.0.0.1:8080", "remote_user": "root", "remote_port": String(sshPort),
            "remotePass": "root-password", "remote_pass": "root-password",
            "host": address, "mn_ip": "127.0.0.1", "zstack_root": "/var/lib/zstack",
            "pkg_zstacklib": Self.zstacklibPackage, "zstack_repo": "false",
        ]
        if module == "kvm" {
            arguments.merge([
                "pkg_kvmagent": Self.packages["kvm"]!, "hostname": address.replacingOccurrences(of: ".", with: "-") + ".zstack.org",
                "skip_packages": "qemu, qemu-kvm, qemu-kvm-ev, qemu-img, qemu-img-ev", "update_packages": "true",
                "post_url": "http://127.0.0.1:8080/zstack/kvm/ansiblelog/\(address)", "isEnableKsm": "none",
                "restart_libvirtd": "false",
            ]) { $1 }
            if newlyAdded { arguments["init"] = "true" }
        } else {
            arguments["pkg_sftpbackupstorage"] = Self.packages["sftpbackupstorage"]!
        }
        return arguments
    }

    /// Runs `<ansible>/<module>.py` the way AnsibleFacadeImpl.doHandle does: from the ansible directory, with
    /// the MN's zstacklib on PYTHONPATH, `-i <ansible>/hosts --private-key <key> -e '<JSON>'`.
    func runPlaybook(_ module: String, arguments: [String: String], privateKey: String) async throws -> ProgramResult {
        let json = String(decoding: try JSONEncoder().encode(arguments), as: UTF8.self)
        return try await Program.run(
            ["python3", ansible.appendingPathComponent("\(module).py").path, "-i", ansible.appendingPathComponent("hosts").path,
             "--private-key", privateKey, "-e", json],
            environment: ["PYTHONPATH": zstacklibRoot.path + "/", "ANSIBLE_NOCOLOR": "1"], in: ansible)
    }

    /// SshFileMd5Checker as KVMHost and SftpBackupStorage install it: `md5sum` over ssh of the host's
    /// zstacklib and agent packages against the MN's classpath copies. True: the MN runs the playbook.
    func checkerNeedsDeploy(module: String, host: TestHost, zstackRoot: URL) async throws -> Bool {
        let pairs = [
            (classes.appendingPathComponent("ansible/zstacklib/\(Self.zstacklibPackage)"), Self.zstacklibPackage),
            (classes.appendingPathComponent("ansible/\(module)/\(Self.packages[module]!)"), Self.packages[module]!),
        ]
        for (source, name) in pairs {
            let remote = try await Program.run([
                "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-i", host.rsaKey, "-p", String(host.sshPort), "root@\(host.address)",
                "md5sum", zstackRoot.appendingPathComponent("\(module)/package/\(name)").path,
            ])
            guard remote.status == 0 else { return true }
            let remoteMD5 = remote.output.split(separator: " ").first.map(String.init)
            if remoteMD5 != (try await AgentTarball.md5(of: source)) { return true }
        }
        return false
    }
}
