@testable import Deployer
import TestSupport
import Foundation
import NIOHTTP1
import Testing

/// Issue 14: the API takes requests only with the deployer's token, a Host header naming the deployer and
/// JSON bodies; it refuses variables that would steer ansible and key files that are not private keys;
/// and no GET returns a value that may hold a secret.
@Suite(.serialized)
struct APISecurityTests {
    @Test func tokenIsMadeOnceInAPrivateFileAndRequired() async throws {
        let (deployer, directory) = try await Self.bareDeployer("token")
        defer { try? FileManager.default.removeItem(at: directory) }
        let token = try deployer.apiToken()
        #expect(token.path == directory.path + "/data/api-token")
        #expect(token.text.count == 64 && token.text.allSatisfy(\.isHexDigit))
        let mode = try FileManager.default.attributesOfItem(atPath: token.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try deployer.apiToken().text == token.text, "reused, not made again")

        try await withAPI(deployer) { api in
            let (ok, _) = try await api.send(.GET, "/v1/hosts")
            #expect(ok == 200)
            for (authorization, expected) in [
                ("", "missing Authorization header"),
                ("Bearer " + String(repeating: "0", count: 64), "wrong API token"),
                ("Bearer " + token.text.dropLast() + "x", "wrong API token"),
                ("Bearer", "must be 'Bearer <token>'"),
                ("Basic " + token.text, "must be 'Bearer <token>'"),
            ] {
                for (method, path, body) in [(HTTPMethod.GET, "/v1/hosts", nil), (.GET, "/v1/settings", nil),
                                             (.PUT, "/v1/settings/upgrade.batchSize", Data(#"{"value":"7"}"#.utf8))] {
                    let reply = try await api.exchange(method, path, body, headers: ["Authorization": authorization])
                    #expect(reply.status == 401, "\(authorization) \(path)")
                    let text = String(decoding: reply.body, as: UTF8.self)
                    #expect(text.contains(#""code":"401""#) && text.contains(expected), "\(text)")
                    #expect(!text.contains(token.text))
                    #expect(reply.headers["WWW-Authenticate"].first == "Bearer")
                }
            }
            #expect(try await deployer.inventory.setting("upgrade.batchSize") == nil, "nothing changed without the token")
        }

        // A token file others could read is not used.
        chmod(token.path, 0o644)
        #expect(throws: DeployerError.self) { try deployer.apiToken() }
    }

    @Test func hostHeaderAndContentTypeAreChecked() async throws {
        let (deployer, directory) = try await Self.bareDeployer("host")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withAPI(deployer, allowedHosts: ["deployer.example.com", "mn.example.com:8940"]) { api in
            for (host, expected) in [
                ("localhost", 200), ("localhost:8940", 200), ("127.0.0.1:1", 200), ("[::1]:8940", 200),
                ("LOCALHOST", 200), ("deployer.example.com", 200), ("deployer.example.com:8940", 200),
                ("mn.example.com", 200), ("evil.example.com", 421), ("evil.example.com:8940", 421),
                ("127.0.0.1.evil.example.com", 421), ("localhost:x", 421), ("[::1", 421),
            ] {
                let reply = try await api.exchange(.GET, "/v1/hosts", headers: ["Host": host])
                #expect(reply.status == expected, "Host: \(host)")
                if expected != 200 {
                    let text = String(decoding: reply.body, as: UTF8.self)
                    #expect(text.contains("is not this deployer's") && text.contains("--allowed-host"), "\(text)")
                }
            }
            let put = "/v1/settings/upgrade.batchSize"
            let body = Data(#"{"value":"7"}"#.utf8)
            for (contentType, expected) in [
                ("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("", 415),
                ("application/jsonp", 415), ("application/json; charset=utf-8", 200), ("Application/JSON", 200),
            ] {
                let (status, reply) = try await api.send(.PUT, put, body, headers: ["Content-Type": contentType])
                #expect(status == expected, "Content-Type: \(contentType)")
                if expected == 415 {
                    #expect((reply["error"] as? [String: Any])?["description"] as? String != nil)
                }
            }
            let (emptyUpgrade, _) = try await api.send(.POST, "/v1/upgrade")
            #expect(emptyUpgrade == 415, "a POST without a body still says it is JSON")
        }
        #expect(throws: DeployerError.self) {
            try APIAccess(token: deployer.apiToken(), listenAddress: "127.0.0.1", allowedHosts: ["evil host"])
        }
    }

    @Test func getNeverReturnsSecrets() async throws {
        let (deployer, directory) = try await Self.bareDeployer("secrets")
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = "s3cret-value"
        try await deployer.inventory.insert(HostRecord(
            uuid: "dsechost1", name: "dsec1", address: "127.0.68.9", sshPort: 22, user: "root", kind: .kvm,
            agentPort: 7070, password: "password-\(secret)", become: false, hostKeyFingerprint: "SHA256:x",
            hostKey: "ssh-ed25519 AAAA", variables: ["libvirt_uri": "qemu+tcp://admin:\(secret)@h/system"],
            addedAt: Date()))
        try await deployer.inventory.setSetting("ansible.var.libvirt_uri", "qemu+tcp://admin:\(secret)@h/system")
        try await deployer.inventory.setSetting("upgrade.batchSize", "7")
        try await withAPI(deployer) { api in
            for path in ["/v1/hosts", "/v1/hosts/dsechost1", "/v1/settings"] {
                let text = String(decoding: try await api.exchange(.GET, path).body, as: UTF8.self)
                #expect(!text.contains(secret), "\(path): \(text)")
            }
            let (_, one) = try await api.send(.GET, "/v1/hosts/dsechost1")
            let inventory = try #require(one["inventory"] as? [String: Any])
            #expect(inventory["variables"] as? [String: String] == ["libvirt_uri": "******"])
            #expect(inventory["password"] == nil && inventory["passwordStored"] as? Bool == true)
            let (_, settings) = try await api.send(.GET, "/v1/settings")
            #expect(settings["settings"] as? [String: String] == ["ansible.var.libvirt_uri": "******", "upgrade.batchSize": "7"])
            let (status, put) = try await api.send(.PUT, "/v1/settings/ansible.var.hostname", Data(#"{"value":"\#(secret)"}"#.utf8))
            #expect(status == 200 && put["value"] as? String == "******")
        }
        // What ansible gets is the real value.
        #expect(try await deployer.inventory.ansibleVariables()["libvirt_uri"]?.contains(secret) == true)
    }

    @Test func refusesVariablesAndKeyFilesOverTheAPIAndTheCLI() async throws {
        let (deployer, directory) = try await Self.bareDeployer("refuse")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key").path
        _ = FileManager.default.createFile(atPath: key, contents: Data("key".utf8), attributes: [.posixPermissions: 0o644])
        try await withAPI(deployer) { api in
            for (params, expected) in [
                (#"{"address":"127.0.68.9","password":"x","variables":{"ansible_ssh_common_args":"-o ProxyCommand=id"}}"#,
                 "variable ansible_ssh_common_args is not allowed"),
                (#"{"address":"127.0.68.9","password":"x","variables":{"ansible_connection":"local"}}"#,
                 "variable ansible_connection is not allowed"),
                (#"{"address":"127.0.68.9","password":"x","variables":{"agent_tls_key":"/etc/shadow"}}"#,
                 "names a file on the deployer"),
                (#"{"address":"127.0.68.9","password":"x","variables":{"agent_extra_args":"--x; id"}}"#,
                 "shell metacharacters"),
                (#"{"address":"127.0.68.9","privateKeyPath":"/etc/shadow"}"#, "accessible by group or others"),
                (#"{"address":"127.0.68.9","privateKeyPath":"\#(key)"}"#, "accessible by group or others"),
                (#"{"address":"127.0.68.9","privateKeyPath":"/tmp/../etc/ssh/ssh_host_ed25519_key"}"#, "must not contain '..'"),
                (#"{"address":"127.0.68.9","password":"x","hostKeyFingerprint":"MD5:aa:bb"}"#, "is not 'SHA256:<base64>'"),
            ] {
                let (status, reply) = try await api.send(.POST, "/v1/hosts", Data(#"{"params":\#(params)}"#.utf8))
                let description = (reply["error"] as? [String: Any])?["description"] as? String ?? ""
                #expect(status == 400 && description.contains(expected), "\(params): \(status) \(description)")
            }
            let (status, reply) = try await api.send(.PUT, "/v1/settings/ansible.var.ansible_ssh_common_args",
                                                     Data(#"{"value":"-o ProxyCommand=id"}"#.utf8))
            #expect(status == 400)
            #expect(((reply["error"] as? [String: Any])?["description"] as? String)?
                .contains("variable ansible_ssh_common_args is not allowed") == true)
        }
        #expect(try await deployer.inventory.runs().isEmpty)
        #expect(try await deployer.inventory.hosts().isEmpty)

        // The CLI: `config set`, `host add --var`, `host add --from FILE`.
        let cli = Repository.binaryDirectory.appendingPathComponent("zstack-deploy").path
        let data = ["--data-dir", directory.appendingPathComponent("data").path, "--database", deployer.configuration.database]
        let file = directory.appendingPathComponent("hosts.json")
        try Data(#"[{"address":"127.0.68.9","password":"x","variables":{"pkg_dir":"/etc"}}]"#.utf8).write(to: file)
        for (argv, expected) in [
            (["config", "set", "ansible.var.ansible_connection", "local"], "variable ansible_connection is not allowed"),
            (["host", "add", "--address", "127.0.68.9", "--password-env", "HOME", "--var", "ansible_become_exe=id"],
             "variable ansible_become_exe is not allowed"),
            (["host", "add", "--address", "127.0.68.9", "--private-key", key], "accessible by group or others"),
            (["host", "add", "--from", file.path], "variable pkg_dir is not allowed"),
        ] {
            let result = try await Program.run([cli] + argv + data)
            #expect(result.status != 0 && (result.errorOutput + result.output).contains(expected), "\(argv): \(result.transcript)")
        }
        #expect(try await deployer.inventory.settings().isEmpty)
        #expect(try await deployer.inventory.hosts().isEmpty)
    }

    /// A Deployer with no hosts and an empty package directory, in a directory of its own.
    static func bareDeployer(_ label: String) async throws -> (Deployer, URL) {
        let directory = try Repository.temporaryDirectory("dsec-\(label)")
        for name in ["packages", "extensions"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let data = directory.appendingPathComponent("data")
        let deployer = try await Deployer(DeployerConfiguration(
            dataDirectory: data.path, database: try await TestStore.location("dsec-\(label)", directory: data),
            sources: ReleaseSources(packageDirectory: directory.appendingPathComponent("packages").path,
                                    playbookDirectory: Repository.root.appendingPathComponent("Playbooks").path,
                                    extensionsDirectory: directory.appendingPathComponent("extensions").path)))
        return (deployer, directory)
    }
}
