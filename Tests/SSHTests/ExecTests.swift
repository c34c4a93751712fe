import Foundation
import SSH
import Testing

@Suite("exec over a real sshd")
struct ExecTests {
    @Test func exitCodesStdoutAndStderr() async throws {
        try await TestHost.with("exec", octet: 21) { host in
            let session = try await SSHClient().connect(
                host: host.address, port: host.port,
                credential: .password(user: host.user, password: host.password),
                hostKey: .pinned(fingerprint: host.fingerprint))
            let ok = try await session.exec(command: "echo out; echo err >&2; exit 0")
            #expect(ok.exitStatus == 0)
            #expect(ok.stdoutText == "out\n")
            #expect(ok.stderrText == "err\n")
            let failed = try await session.exec(command: "exit 42")
            #expect(failed.exitStatus == 42)
            let whoami = try await session.exec(["id", "-un"])
            #expect(whoami.stdoutText == "\(host.user)\n")
            await session.close()
        }
    }
}
