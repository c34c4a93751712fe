import TestSupport
import AgentClient
import AgentWire
import Foundation
import Testing

/// `sftp://` downloads against a loopback sshd started with `scripts/test-host` (127.0.0.171:2471).
@Suite struct SFTPDownloadTests {
    private func withTestHost<T>(_ body: (TestHost) async throws -> T) async throws -> T {
        try await TestHost.with(name: "sftpbs-tests", address: "127.0.0.171", sshPort: 2471, body)
    }

    private func command(_ url: String, to installPath: String) -> SftpBackupStorage.DownloadCmd {
        var command = SftpBackupStorage.DownloadCmd()
        command.url = url
        command.installPath = installPath
        command.urlScheme = "sftp"
        command.threadContext = ["api": .string("api-sftp")]
        return command
    }

    @Test func sftpDownloadWithPasswordInTheURLAndWithTheAgentKey() async throws {
        try await withTestHost { host in
            try await ManagementNodeEndpoint.run { mn in
                try await SftpAgentHarness.with { agent in
                    defer { agent.removeScratch() }
                    _ = try await agent.connect(mn)
                    let source = agent.scratch + "/remote.qcow2"
                    _ = try await Program.output(["qemu-img", "create", "-q", "-f", "qcow2", source, "128M"])
                    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: source)
                    let md5 = String(try await Program.output(["md5sum", source]).prefix(32))
                    let address = host.address, port = host.sshPort
                    let user = host.user, password = host.password

                    let byPassword = try await agent.call(
                        SftpBackupStorage.Path.download,
                        command("sftp://\(user):\(password)@\(address):\(port)\(source)", to: agent.storagePath + "/p/image.template"),
                        as: SftpBackupStorage.DownloadResponse.self, via: mn)
                    #expect(byPassword.success, "\(byPassword.error ?? "")")
                    #expect(byPassword.md5Sum == md5 && byPassword.format == "qcow2" && byPassword.size == 128 << 20)
                    #expect(String(try await Program.output(["md5sum", agent.storagePath + "/p/image.template"]).prefix(32)) == md5)
                    let report = try await mn.nextEvent(ProgressReportCmd.commandPath, timeout: .seconds(5))
                    #expect(try report.decode(ProgressReportCmd.self).threadContextMap?["api"] == .string("api-sftp"))

                    // No password: the agent's own key (here the test host's client key) logs in as root.
                    try FileManager.default.copyItem(atPath: host.key, toPath: agent.scratch + "/id_rsa.sftp")
                    let byKey = try await agent.call(
                        SftpBackupStorage.Path.download,
                        command("sftp://root@\(address):\(port)\(source)", to: agent.storagePath + "/k/image.template"),
                        as: SftpBackupStorage.DownloadResponse.self, via: mn)
                    #expect(byKey.success && byKey.md5Sum == md5, "\(byKey.error ?? "")")

                    let wrongPassword = try await agent.call(
                        SftpBackupStorage.Path.download,
                        command("sftp://\(user):not-it@\(address):\(port)\(source)", to: agent.storagePath + "/w/image.template"),
                        as: SftpBackupStorage.DownloadResponse.self, via: mn)
                    #expect(!wrongPassword.success && wrongPassword.error?.contains("not-it") == false)
                    let missing = try await agent.call(
                        SftpBackupStorage.Path.download,
                        command("sftp://\(user):\(password)@\(address):\(port)/no/such/file", to: agent.storagePath + "/m/image.template"),
                        as: SftpBackupStorage.DownloadResponse.self, via: mn)
                    #expect(!missing.success)
                    #expect(agent.files(under: agent.storagePath) == ["k", "k/image.template", "p", "p/image.template"])
                }
            }
        }
    }
}
