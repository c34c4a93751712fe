import HostSystem
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ProcessRunnerTests {
    let runner = ProcessRunner()

    @Test func collectsStandardOutputAndFeedsStandardInput() async throws {
        let output = try await runner.run("cat", [], input: Array("line one\nline two\n".utf8))
        #expect(output.text == "line one\nline two\n")
        #expect(output.standardError.isEmpty)
    }

    @Test func nonZeroExitCarriesStatusCommandLineAndStandardError() async throws {
        let error = try await #require(throws: ProcessError.self) {
            try await runner.run("/bin/sh", ["-c", "echo first >&2; echo 'the reason' >&2; exit 3", "a b"])
        }
        #expect(error.exitStatus == 3)
        #expect(error.standardErrorTail == "first\nthe reason")
        #expect(error.commandLine == #"/bin/sh -c 'echo first >&2; echo '\''the reason'\'' >&2; exit 3' 'a b'"#)
        #expect(error.description.hasSuffix("exited with status 3: first\nthe reason"))
    }

    @Test func standardErrorTailKeepsTheEnd() async throws {
        let error = try await #require(throws: ProcessError.self) {
            try await runner.run("/bin/sh", ["-c", "head -c 10000 /dev/zero | tr '\\0' x >&2; echo END >&2; exit 1"])
        }
        #expect(error.standardErrorTail.hasSuffix("xxxxEND"))
        #expect(error.standardErrorTail.utf8.count <= 2048)
    }

    @Test func hostileArgumentsArePassedLiterally() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let hostile = ["; rm -rf /", "$(touch pwned)", "`touch pwned2`", "a b\tc", "'quoted'", "*", "&& touch pwned3"]
            let output = try await runner.run("printf", ["%s\\n"] + hostile, workingDirectory: directory)
            #expect(output.text == hostile.map { $0 + "\n" }.joined())
            for name in ["pwned", "pwned2", "pwned3"] {
                #expect(!Files.exists("\(directory)/\(name)"))
            }
        }
    }

    @Test func environmentAndWorkingDirectory() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let output = try await runner.run("/bin/sh", ["-c", "echo \"$ZS_TEST_VALUE|${HOME-unset}|$(pwd)\""],
                                              environment: ["ZS_TEST_VALUE": "x y", "HOME": nil],
                                              workingDirectory: directory)
            #expect(output.text == "x y|unset|\(try Files.canonicalPath(directory))\n")
        }
    }

    @Test func timeoutKillsTheProcess() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let pidFile = "\(directory)/pid"
            let error = try await #require(throws: ProcessError.self) {
                try await runner.run("/bin/sh", ["-c", "echo $$ > \"$1\"; exec sleep 60", "sh", pidFile],
                                     timeout: .milliseconds(300))
            }
            #expect(error.reason == .timedOut(.milliseconds(300)))
            let pid = try #require(pid_t(try await runner.run("cat", [pidFile]).text.trimmingCharacters()))
            // The runner reaps the child before returning, so the pid no longer names a process.
            #expect(kill(pid, 0) == -1 && errno == ESRCH)
        }
    }

    @Test func missingExecutableIsALaunchFailure() async throws {
        let error = try await #require(throws: ProcessError.self) {
            try await runner.run("/nonexistent/zstack-no-such-tool", ["x"])
        }
        guard case .launchFailed = error.reason else {
            Issue.record("expected a launch failure, got \(error.reason)")
            return
        }
        #expect(error.description.contains("/nonexistent/zstack-no-such-tool x"))
    }

    @Test func outputBeyondTheLimitFails() async throws {
        let small = ProcessRunner(outputLimit: 1024)
        let error = try await #require(throws: ProcessError.self) {
            try await small.run("head", ["-c", "100000", "/dev/zero"])
        }
        #expect(error.reason == .outputTooLarge(limit: 1024))
    }

    @Test func killedBySignalIsReported() async throws {
        let error = try await #require(throws: ProcessError.self) {
            try await runner.run("/bin/sh", ["-c", "kill -TERM $$"])
        }
        #expect(error.reason == .signalled(SIGTERM))
    }
}

extension String {
    func trimmingCharacters() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
