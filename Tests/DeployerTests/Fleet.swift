import Deployer
import TestSupport
import Foundation

/// Loopback test hosts managed by a Deployer of their own: a private data directory, a package directory
/// the test fills with tarball versions, and an extensions directory. Hosts log in as the unprivileged
/// test user with its password (the key bootstrap path), without sudo, and install into their own root.
final class Fleet: Sendable {
    struct Member: Sendable {
        var host: TestHost
        var agentPort: Int
        var kind: AgentKind
        var install: InstallRoot
    }

    let members: [Member]
    let directory: URL
    let packages: URL
    let extensions: URL
    /// The store: a SQLite file in the data directory, or a PostgreSQL database (`ZSTACK_TEST_DATABASE`).
    let database: String
    let deployer: Deployer

    /// Starts `count` hosts named `<prefix>1...` on 127.0.<subnet>.1... with ssh ports `basePort + i` and
    /// agent ports `agentBasePort + i` (default `basePort + 1000 + i`).
    init(prefix: String, subnet: Int, count: Int, basePort: Int, agentBasePort: Int? = nil,
         kinds: [AgentKind] = [.kvm]) async throws {
        directory = try Repository.temporaryDirectory("deployer-\(prefix)")
        packages = directory.appendingPathComponent("packages")
        extensions = directory.appendingPathComponent("extensions")
        try FileManager.default.createDirectory(at: packages, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: extensions, withIntermediateDirectories: true)
        var members: [Member] = []
        for index in 1...count {
            let name = "\(prefix)\(index)"
            TestHost.stop(name: name)
            let host = try await TestHost.start(name: name, address: "127.0.\(subnet).\(index)", sshPort: basePort + index)
            // The test user installs into the host's root without sudo.
            try await Program.check(["chown", "-R", host.user, host.root.path])
            let kind = kinds[(index - 1) % kinds.count]
            members.append(Member(host: host, agentPort: (agentBasePort ?? basePort + 1000) + index, kind: kind,
                                  install: InstallRoot(root: host.root, agent: try AgentSpec.named(kind.agentName))))
        }
        self.members = members
        let data = directory.appendingPathComponent("data")
        try await Self.installSharedKey(into: data)
        database = try await TestStore.location(prefix, directory: data)
        var configuration = DeployerConfiguration(
            dataDirectory: data.path, database: database,
            sources: ReleaseSources(packageDirectory: packages.path,
                                    playbookDirectory: Repository.root.appendingPathComponent("Playbooks").path,
                                    extensionsDirectory: extensions.path))
        configuration.portProbeTimeout = .seconds(2)
        deployer = try await Deployer(configuration)
        try await deployer.inventory.setSetting("ansible.var.skip_packages", "true")
        try await deployer.inventory.setSetting("ansible.var.libvirt_uri", "test:///default")
    }

    /// What `host add` gets for a member.
    func input(_ member: Member, password: String? = nil, variables: [String: String] = [:]) -> HostInput {
        var all = member.install.playbookVariables
        all["agent_listen"] = member.host.address
        all.merge(variables) { $1 }
        return HostInput(address: member.host.address, sshPort: member.host.sshPort, user: member.host.user,
                         password: password ?? member.host.password, kind: member.kind, agentPort: member.agentPort,
                         name: member.host.name, become: false, variables: all)
    }

    /// Hard-links the shared tarballs of `version` (made once per test process) into the package directory.
    func publish(version: String) async throws {
        for kind in Set(members.map(\.kind)) {
            let tarball = try await AgentTarball.shared(try AgentSpec.named(kind.agentName), version: version)
            for name in [tarball.fileName, tarball.fileName + ".md5"] {
                let target = packages.appendingPathComponent(name)
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.linkItem(at: tarball.directory.appendingPathComponent(name), to: target)
            }
        }
    }

    func uuid(of member: Member) async throws -> String {
        guard let host = try await deployer.inventory.host(matching: member.host.address) else {
            throw ProgramError(description: "\(member.host.address) is not in the inventory")
        }
        return host.uuid
    }

    /// The pid of the member's running agent, from its pidfile, if that process lives.
    func agentPid(_ member: Member) -> Int32? {
        guard let pid = Processes.pid(inFile: member.install.pidfile), Processes.isAlive(pid) else { return nil }
        return pid
    }

    /// The release the member's `current` link points at.
    func currentRelease(_ member: Member) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: member.install.agentHome.appendingPathComponent("current").path)
    }

    /// Gives the member's sshd a new host key, as a reinstalled (or impersonated) host would have.
    func replaceHostKey(_ member: Member) async throws {
        let directory = member.host.root.deletingLastPathComponent()
        let key = directory.appendingPathComponent("ssh_host_ed25519_key").path
        if let pid = Processes.pid(inFile: directory.appendingPathComponent("sshd.pid")) {
            kill(pid, SIGTERM)
            for _ in 0..<50 where Processes.isAlive(pid) { usleep(100_000) }
        }
        try? FileManager.default.removeItem(atPath: key)
        try? FileManager.default.removeItem(atPath: key + ".pub")
        try await Program.check(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        _ = try await TestHost.start(name: member.host.name, address: member.host.address, sshPort: member.host.sshPort)
    }

    func stop() {
        for member in members {
            member.install.stopAgent()
            TestHost.stop(name: member.host.name)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every fleet uses the same deployer key, so the test user's authorized_keys (shared by all loopback
    /// hosts) holds one line however many times the tests run.
    static func installSharedKey(into data: URL) async throws {
        try await sharedKeyQueue.run {
            let shared = URL(fileURLWithPath: "/tmp/zstack-deployer-tests/key")
            let key = shared.appendingPathComponent("id_ed25519")
            if !FileManager.default.fileExists(atPath: key.path) {
                try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
                try await Program.check(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "zstack-deploy-tests", "-f", key.path])
            }
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            for name in ["id_ed25519", "id_ed25519.pub"] {
                try FileManager.default.copyItem(at: shared.appendingPathComponent(name), to: data.appendingPathComponent(name))
            }
        }
    }

    private static let sharedKeyQueue = SerialQueue()
}

extension RunDetails {
    func entry(_ address: String) -> RunHostRecord? {
        hosts.first { $0.address == address }
    }
}
