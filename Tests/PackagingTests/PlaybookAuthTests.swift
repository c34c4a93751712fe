@testable import Deployer
import TestSupport
import Foundation
import Testing

/// The playbook's auth settings on a loopback test host, install-only (chroot_env: nothing is started, so
/// this holds whatever the agent binary accepts): what lands in `{{ agent_home }}/tls/` with which modes,
/// and the flags written into the defaults file for mtls, token, none, --allow-from and a bad setting.
@Suite(.serialized)
struct PlaybookAuthTests {
    @Test func authFilesAndFlags() async throws {
        let agent = try AgentSpec.named("kvmagent")
        let scratch = try Repository.temporaryDirectory("playbook-auth")
        let tarball = try await AgentTarball.shared(agent, version: "1.0.0")
        let name = "dca-pkg1"
        TestHost.stop(name: name)
        defer {
            TestHost.stop(name: name)
            try? FileManager.default.removeItem(at: scratch)
        }
        let host = try await TestHost.start(name: name, address: "127.0.67.1", sshPort: 2670)
        let entry = InventoryHost(host: host, install: InstallRoot(root: host.root, agent: agent), agentPort: 20670)
        let ansible = try await AnsibleWorkspace(hosts: [entry])
        defer { ansible.remove() }

        // The deployer's own staging makes the files: a CA, and the host's certificate for its address.
        let trust = DeployerTrust(dataDirectory: scratch.appendingPathComponent("data").path)
        try trust.initialize()
        let plan = try AgentAuthPlan.resolve(setting: nil, trust: trust)
        let record = HostRecord(uuid: "dca-pkg1-uuid", name: name, address: host.address, sshPort: host.sshPort, user: "root",
                                kind: .kvm, agentPort: entry.agentPort, become: false, hostKeyFingerprint: "", hostKey: "",
                                variables: [:], addedAt: Date())
        let workspace = scratch.appendingPathComponent("work").path
        var tlsVariables = try plan.stage(record, workspace: workspace, reissue: false)

        func deploy(_ variables: [String: String], skippingTags: [String] = []) async throws -> [String: HostRecap] {
            try await ansible.run(playbook: agent.playbook, extraVariables: [
                "pkg_kvmagent": tarball.fileName, "pkg_dir": tarball.directory.path,
                "skip_packages": "true", "chroot_env": "true",
            ].merging(variables) { $1 }, skippingTags: skippingTags)
        }
        let tls = entry.install.agentHome.appendingPathComponent("tls").path
        let home = entry.install.agentHome.path
        let always = "--state-dir \(entry.install.zstackRoot.path)"

        // mtls: the three files, the key private, the flags the agent's --auth mtls needs, and --allow-from.
        let first = try await deploy(tlsVariables.merging(["agent_allow_from": "10.0.0.0/8, 127.0.0.1"]) { $1 })
        #expect(first[name]?.changed ?? 0 > 0)
        #expect(try await Self.extraArguments(entry) == "\(always) --auth mtls --tls-cert \(home)/tls/agent.crt "
            + "--tls-key \(home)/tls/agent.key --tls-ca \(home)/tls/ca-bundle.pem --allow-from 10.0.0.0/8 --allow-from 127.0.0.1")
        #expect(try Self.permissions(tls) == 0o700)
        #expect(try Self.permissions(tls + "/agent.key") == 0o600)
        #expect(try Self.permissions(tls + "/agent.crt") == 0o644)
        for (file, variable) in [("agent.crt", "agent_tls_cert"), ("agent.key", "agent_tls_key"), ("ca-bundle.pem", "agent_tls_ca")] {
            #expect(try String(contentsOfFile: tls + "/" + file, encoding: .utf8)
                == String(contentsOfFile: tlsVariables[variable]!, encoding: .utf8), "\(file)")
        }

        // The same again changes nothing; a new certificate (reconnect) is copied.
        let second = try await deploy(tlsVariables.merging(["agent_allow_from": "10.0.0.0/8, 127.0.0.1"]) { $1 })
        #expect(second[name]?.changed == 0, "a second run must change nothing")
        tlsVariables = try plan.stage(record, workspace: workspace, reissue: true)
        let third = try await deploy(tlsVariables)
        #expect(third[name]?.changed ?? 0 > 0)
        #expect(try String(contentsOfFile: tls + "/agent.crt", encoding: .utf8)
            == String(contentsOfFile: tlsVariables["agent_tls_cert"]!, encoding: .utf8))
        #expect(try await Self.extraArguments(entry).hasSuffix("--tls-ca \(home)/tls/ca-bundle.pem"), "no --allow-from when none is given")

        // token and none.
        let token = scratch.appendingPathComponent("token").path
        try "s3cret-token\n".write(toFile: token, atomically: true, encoding: .utf8)
        _ = try await deploy(["agent_auth": "token", "agent_token_file": token, "agent_allow_from": "192.0.2.0/24"])
        #expect(try await Self.extraArguments(entry) == "\(always) --auth token --token-file \(home)/tls/token --allow-from 192.0.2.0/24")
        #expect(try Self.permissions(tls + "/token") == 0o600)
        _ = try await deploy(["agent_auth": "none"])
        #expect(try await Self.extraArguments(entry) == "\(always) --auth none")
        #expect(!FileManager.default.fileExists(atPath: tls), "--auth none removes the credentials of earlier modes")
        _ = try await deploy([:])
        #expect(try await Self.extraArguments(entry) == always, "no agent_auth: no flag, the agent's default")

        // Half an mtls setting is refused by the playbook, naming what is missing, before anything changes.
        var incomplete = tlsVariables
        incomplete["agent_tls_ca"] = nil
        let refused = await #expect(throws: ProgramError.self) { try await deploy(incomplete) }
        #expect(refused?.description.contains("bad auth setting") == true)
        let hostileSource = ["agent_auth": "none", "agent_allow_from": "10.0.0.0/8 --evil"]
        let badSource = await #expect(throws: ProgramError.self) { try await deploy(hostileSource) }
        #expect(badSource?.description.contains("bad auth setting") == true)
        // Without the check task, as zstack-deploy runs a batch with nothing to do before the install (no
        // credentials to copy here): the install refuses the same settings before it changes anything.
        for (bad, problem) in [(hostileSource, "bad auth setting"),
                               (["agent_log_level": "loud"], "bad setting: pkg")] {
            let unchecked = await #expect(throws: ProgramError.self) {
                try await deploy(bad, skippingTags: ["zstack_settings_check", "zstack_credentials"])
            }
            #expect(unchecked?.description.contains(problem) == true, "\(bad)")
            #expect(unchecked?.description.contains("Install and start the release") == true)
            #expect(unchecked?.description.contains("Check settings") == false)
        }
        #expect(try await Self.extraArguments(entry) == always)
    }

    /// AGENT_EXTRA_ARGS as the init script sees it: the defaults file sourced by a shell.
    static func extraArguments(_ entry: InventoryHost) async throws -> String {
        try await Program.check(["sh", "-c", ". \"$1\"; printf %s \"$AGENT_EXTRA_ARGS\"", "sh", entry.install.defaultsFile.path]).output
    }

    static func permissions(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
