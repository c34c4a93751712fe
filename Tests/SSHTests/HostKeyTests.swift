import Foundation
import SSH
import Testing
import TestSupport

@Suite("host key checking")
struct HostKeyTests {
    @Test func trustOnFirstUseReportsTheFingerprintSshKeygenPrints() async throws {
        try await TestHost.with("tofu", octet: 41) { host in
            let keygen = try await Program.output(
                ["ssh-keygen", "-l", "-E", "sha256", "-f", host.directory.path + "/ssh_host_ed25519_key.pub"])
            let expected = String(keygen.split(separator: " ")[1])
            let session = try await SSHClient().connect(
                host: host.address, port: host.sshPort,
                credential: .password(user: host.user, password: host.password), hostKey: .trustOnFirstUse)
            #expect(session.hostKeyFingerprint == expected)
            await session.close()

            // The same fingerprint pins the host, with or without base64 padding.
            for pin in [expected, expected + "="] {
                let pinned = try await SSHClient().connect(
                    host: host.address, port: host.sshPort,
                    credential: .password(user: host.user, password: host.password),
                    hostKey: .pinned(fingerprint: pin))
                await pinned.close()
            }
        }
    }

    @Test func changedHostKeyIsRefusedBeforeLogin() async throws {
        let pinned = try await TestHost.with("rekeyed", octet: 42) { host in host.fingerprint }
        // Same name and address, but test-host deleted the old host key on stop: a "reinstalled" host.
        try await TestHost.with("rekeyed", octet: 42) { host in
            #expect(host.fingerprint != pinned)
            // A wrong password too: if the login were attempted first, this would say authenticationFailed. The
            // RSA key would log in: a mismatch must stop it all the same.
            let credentials: [SSHCredential] = [
                .password(user: host.user, password: "not-the-password"),
                .privateKey(user: "root", keyText: try String(contentsOfFile: host.rsaKey, encoding: .utf8)),
            ]
            for credential in credentials {
                let error = await #expect(throws: SSHError.self) {
                    try await SSHClient().connect(
                        host: host.address, port: host.sshPort, credential: credential,
                        hostKey: .pinned(fingerprint: pinned))
                }
                #expect(error?.code == .hostKeyMismatch, "\(credential)")
                #expect(error?.message.contains(host.fingerprint) == true)
            }
        }
    }

    @Test(arguments: ["", "MD5:aa:bb", "SHA256:short", "sha256 " + String(repeating: "A", count: 43)])
    func malformedPinsAreRejectedAsInput(pin: String) async {
        let error = await #expect(throws: SSHError.self) {
            try await SSHClient().connect(
                host: "127.0.0.1", port: 1, credential: .password(user: "u", password: "p"),
                hostKey: .pinned(fingerprint: pin))
        }
        #expect(error?.code == .invalidArgument)
    }
}
