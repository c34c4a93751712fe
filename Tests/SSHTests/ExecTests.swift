import Foundation
import SSH
import Testing
import TestSupport

@Suite("exec over a real sshd")
struct ExecTests {
    @Test func exitCodesStdoutAndStderr() async throws {
        try await TestHost.with("exec", octet: 21) { host in
            let session = try await SSHClient().connect(
                host: host.address, port: host.sshPort,
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

extension ExecTests {
    @Test func argvReachesTheProgramLiterally() async throws {
        let hostile = ["it's", "$(touch /tmp/pwned)", "a b\tc", "; rm -rf /", "`id`", "\"q\"", "\\", "", "*"]
        try await TestHost.with("exec-argv", octet: 22) { host in
            let session = try await login(host)
            let result = try await session.exec(["printf", "%s\\n"] + hostile)
            #expect(result.stdoutText == hostile.map { $0 + "\n" }.joined())
            await session.close()
        }
    }

    /// The key bootstrap pattern: a script reading its data from stdin, with file names passed as arguments.
    @Test func stdinIsDelivered() async throws {
        try await TestHost.with("exec-stdin", octet: 23) { host in
            let session = try await login(host)
            let target = "ssh-tests-\(UUID().uuidString) authorized keys"  // in the test user's home
            let key = "ssh-ed25519 AAAA... it's me\n"
            let script = "umask 077; cat >> \"$1\""
            let result = try await session.exec(["sh", "-c", script, "sh", target], input: Array(key.utf8))
            #expect(result.succeeded, "\(result.stderrText)")
            #expect(try await session.exec(["cat", target]).stdoutText == key)
            #expect(try await session.attributes(of: target).permissions.map { $0 & 0o777 } == 0o600)
            try await session.removeFile(target)
            // More input than the channel window, to a command that reads none of it and exits: its exit
            // status is the result, not an error about the input it never took.
            let unread = try await session.exec(["true"], input: [UInt8](repeating: 0x61, count: 8 << 20))
            #expect(unread.exitStatus == 0)
            await session.close()
        }
    }

    /// Megabytes on both streams at once would deadlock a reader that drains one stream before the other.
    @Test func largeOutputOnBothStreamsAndTruncation() async throws {
        try await TestHost.with("exec-large", octet: 24) { host in
            let session = try await login(host)
            let command = "head -c 3000000 /dev/zero >&2; head -c 5000000 /dev/zero; head -c 3000000 /dev/zero >&2"
            let result = try await session.exec(command: command)
            #expect(result.stdout.count == 5_000_000)
            #expect(result.stderr.count == 6_000_000)
            #expect(!result.truncated)
            let capped = try await session.exec(command: command, maxOutputBytes: 1000)
            #expect(capped.stdout.count == 1000 && capped.stderr.count == 1000)
            #expect(capped.truncated)
            #expect(capped.exitStatus == 0)
            await session.close()
        }
    }

    @Test func signalDeathIsReported() async throws {
        try await TestHost.with("exec-signal", octet: 25) { host in
            let session = try await login(host)
            let result = try await session.exec(command: "kill -TERM $$")
            #expect(result.exitStatus == nil)
            #expect(result.exitSignal == "TERM")
            await session.close()
        }
    }

    @Test func quotingIsSingleQuoteEscaping() {
        #expect(ShellQuoting.quote("plain") == "'plain'")
        #expect(ShellQuoting.quote("it's") == #"'it'\''s'"#)
        #expect(ShellQuoting.join(["a", "", "b c"]) == "'a' '' 'b c'")
    }

    fileprivate func login(_ host: TestHost) async throws -> SSHSession {
        try await SSHClient().connect(
            host: host.address, port: host.sshPort, credential: .password(user: host.user, password: host.password),
            hostKey: .pinned(fingerprint: host.fingerprint))
    }
}

extension ExecTests {
    /// One session used from many tasks at once: each call gets the session to itself in turn.
    @Test func concurrentCallsOnOneSessionAllComplete() async throws {
        try await TestHost.with("exec-concurrent", octet: 26) { host in
            let session = try await login(host)
            let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<12 {
                    group.addTask { (index, try await session.exec(["echo", "call \(index)"]).stdoutText) }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            #expect(outputs == Dictionary(uniqueKeysWithValues: (0..<12).map { ($0, "call \($0)\n") }))
            await session.close()
        }
    }
}
