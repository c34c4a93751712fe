import Foundation
import SSH
import Testing
import TestSupport

@Suite("authentication against a real sshd")
struct AuthTests {
    enum KeyKind: String, CaseIterable, Sendable { case ed25519OpenSSH, rsaPEM }
    enum KeySource: String, CaseIterable, Sendable { case file, memory }

    /// Every key kind from a file and from memory, against a default-configured sshd.
    @Test(arguments: KeyKind.allCases, KeySource.allCases)
    func rootLogsInWithKey(kind: KeyKind, source: KeySource) async throws {
        let index = (kind == .ed25519OpenSSH ? 0 : 2) + (source == .file ? 0 : 1)
        try await TestHost.with("key-\(index)", octet: 31 + index) { host in
            let path = kind == .ed25519OpenSSH ? host.key : host.rsaKey
            let key: SSHCredential.PrivateKey =
                source == .file ? .file(path: path) : .memory(try Data(contentsOf: URL(filePath: path)))
            let session = try await SSHClient().connect(
                host: host.address, port: host.sshPort, credential: .privateKey(user: "root", key: key),
                hostKey: .pinned(fingerprint: host.fingerprint))
            let result = try await session.exec(["id", "-un"])
            #expect(result.stdoutText == "root\n")
            await session.close()
        }
    }

    /// What the MN does for `/localstorage/sftp/download`: log in to the backup storage with its RSA key,
    /// received in memory, against OpenSSH 9 with its default settings (which refuse SHA-1 `ssh-rsa`
    /// signatures), then run a command and move a file over SFTP.
    @Test func rsaKeyAgainstDefaultServerRunsExecAndSFTP() async throws {
        let scratch = try TemporaryDirectory("ssh-tests")
        defer { scratch.remove() }
        try await TestHost.with(name: "ssh-tests-rsa-default", address: "127.0.73.1", sshPort: 2740) { host in
            // The server really is the strict default: OpenSSH's own client is refused when it signs with
            // SHA-1, and let in with SHA-2, with the same key. Without this the test could pass against a
            // server that accepts ssh-rsa.
            func openSSH(signingWith algorithm: String) async throws -> ProgramResult {
                try await Program.run([
                    "ssh", "-F", "/dev/null", "-i", host.rsaKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "PubkeyAcceptedAlgorithms=\(algorithm)", "-p", String(host.sshPort), "root@\(host.address)",
                    "true",
                ])
            }
            let sha1 = try await openSSH(signingWith: "ssh-rsa")
            #expect(sha1.status != 0 && sha1.transcript.contains("Permission denied"), "\(sha1.transcript)")
            #expect(try await openSSH(signingWith: "rsa-sha2-512").status == 0)

            let keyText = try String(contentsOfFile: host.rsaKey, encoding: .utf8)
            let session = try await SSHClient().connect(
                host: host.address, port: host.sshPort, credential: .privateKey(user: "root", keyText: keyText),
                hostKey: .pinned(fingerprint: host.fingerprint))
            #expect(try await session.exec(["id", "-un"]).stdoutText == "root\n")

            let remote = host.root.path + "/bs/image.qcow2"
            try await session.makeDirectories(host.root.path + "/bs")
            let local = scratch.path + "/image"
            try Data("image bytes\n".utf8).write(to: URL(filePath: local))
            try await session.upload(local: local, to: remote)
            #expect(try await session.attributes(of: remote).size == 12)
            let copy = scratch.path + "/copy"
            #expect(try await session.download(remote: remote, to: copy).totalBytes == 12)
            #expect(try String(contentsOfFile: copy, encoding: .utf8) == "image bytes\n")
            await session.close()
        }
    }

    @Test func wrongPasswordAndUnknownKeyAreAuthenticationFailures() async throws {
        let scratch = try TemporaryDirectory("ssh-tests")
        defer { scratch.remove() }
        let strangerKey = scratch.path + "/stranger"
        try await Program.check(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", strangerKey])
        try await TestHost.with("wrong-secret", octet: 36) { host in
            let attempts: [SSHCredential] = [
                .password(user: host.user, password: host.password + "-wrong"),
                .privateKey(user: "root", key: .file(path: strangerKey)),
            ]
            for credential in attempts {
                let error = await #expect(throws: SSHError.self) {
                    try await SSHClient().connect(
                        host: host.address, port: host.sshPort, credential: credential,
                        hostKey: .pinned(fingerprint: host.fingerprint))
                }
                #expect(error?.code == .authenticationFailed, "\(credential)")
            }
        }
    }

    @Test func encryptedKeyNeedsTheRightPassphrase() async throws {
        let scratch = try TemporaryDirectory("ssh-tests")
        defer { scratch.remove() }
        try await TestHost.with("passphrase", octet: 37) { host in
            let encrypted = scratch.path + "/encrypted"
            try FileManager.default.copyItem(atPath: host.key, toPath: encrypted)
            try await Program.check(["ssh-keygen", "-q", "-p", "-P", "", "-N", "secret phrase", "-f", encrypted])
            let keyText = try String(contentsOfFile: encrypted, encoding: .utf8)
            func login(_ credential: SSHCredential) async throws(SSHError) -> SSHSession {
                try await SSHClient().connect(
                    host: host.address, port: host.sshPort, credential: credential,
                    hostKey: .pinned(fingerprint: host.fingerprint))
            }

            let session = try await login(.privateKey(user: "root", keyText: keyText, passphrase: "secret phrase"))
            #expect(try await session.exec(["true"]).succeeded)
            await session.close()

            let unusable: [SSHCredential] = [
                .privateKey(user: "root", keyText: keyText, passphrase: "wrong phrase"),
                .privateKey(user: "root", keyText: keyText),
                .privateKey(user: "root", keyText: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n"),
                .privateKey(user: "root", key: .file(path: scratch.path + "/missing")),
            ]
            for credential in unusable {
                let error = await #expect(throws: SSHError.self) { try await login(credential) }
                #expect(error?.code == .unsupportedKey, "\(credential): \(String(describing: error))")
            }
        }
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let credentials: [SSHCredential] = [
            .password(user: "root", password: "hunter2-secret"),
            .privateKey(user: "root", keyText: "KEYMATERIAL-secret", passphrase: "phrase-secret"),
        ]
        for credential in credentials {
            var dumped = ""
            dump(credential, to: &dumped)
            for text in ["\(credential)", String(reflecting: credential), dumped] {
                #expect(!text.contains("secret"), "\(text)")
                #expect(text.contains("root"))
            }
        }
    }
}
