import Foundation
import SSH
import Testing
import TestSupport

@Suite("authentication against a real sshd")
struct AuthTests {
    enum KeyKind: String, CaseIterable, Sendable { case ed25519OpenSSH, rsaPEM }
    enum KeySource: String, CaseIterable, Sendable { case file, memory }

    /// libssh2 1.10 signs RSA only as ssh-rsa (SHA-1), so the RSA cases run against a server that allows it;
    /// `rsaKeyAgainstModernServerExplainsWhy` covers the default server.
    @Test(arguments: KeyKind.allCases, KeySource.allCases)
    func rootLogsInWithKey(kind: KeyKind, source: KeySource) async throws {
        let index = (kind == .ed25519OpenSSH ? 0 : 2) + (source == .file ? 0 : 1)
        let config = kind == .rsaPEM ? "PubkeyAcceptedAlgorithms +ssh-rsa" : ""
        try await TestHost.with("key-\(index)", octet: 31 + index, sshdConfig: config) { host in
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

    @Test func rsaKeyAgainstModernServerExplainsWhy() async throws {
        try await TestHost.with("rsa-refused", octet: 35) { host in
            let error = await #expect(throws: SSHError.self) {
                try await SSHClient().connect(
                    host: host.address, port: host.sshPort,
                    credential: .privateKey(user: "root", key: .file(path: host.rsaKey)),
                    hostKey: .pinned(fingerprint: host.fingerprint))
            }
            #expect(error?.code == .authenticationFailed)
            #expect(error?.message.contains("ssh-rsa") == true)
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
