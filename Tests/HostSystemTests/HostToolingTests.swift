import Dispatch
import HostSystem
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The helpers every agent shares: daemon starts, the timer race, digests, threads of their own, staged files
/// and name checks.
@Suite struct HostToolingTests {
    @Test func aDaemonThatFailsToStartIsReportedWithItsLogAndWhatItSaid() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let log = directory + "/daemon-start.log"
            let error = try await #require(throws: ProcessError.self) {
                try await ProcessRunner().startDaemon("/bin/sh", ["-c", "echo 'cannot bind port 53' >&2; exit 3"], logFile: log)
            }
            #expect(error.exitStatus == 3)
            #expect(error.standardErrorTail == "cannot bind port 53")
            #expect(error.description.contains("(its output is in \(log))"))
            #expect(error.description.hasSuffix("exited with status 3 (its output is in \(log)): cannot bind port 53"))
        }
    }

    @Test func aDaemonStartReportsOnlyWhatThisStartWrote() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let log = directory + "/daemon-start.log"
            try Files.writeAtomically(Array("an old failure\n".utf8), to: log)
            try await ProcessRunner().startDaemon("/bin/sh", ["-c", "echo started"], logFile: log)
            let error = try await #require(throws: ProcessError.self) {
                try await ProcessRunner().startDaemon("/bin/sh", ["-c", "echo second >&2; exit 1"], logFile: log)
            }
            #expect(error.standardErrorTail == "second")
            #expect(try Files.readText(log) == "an old failure\nstarted\nsecond\n")
        }
    }

    @Test func aProgramRunsInsideTheNetworkNamespaceItIsGiven() async throws {
        let name = "hst-\(getpid())"
        try await ProcessRunner().run("ip", ["netns", "add", name])
        defer { _ = Task { try? await ProcessRunner().run("ip", ["netns", "del", name]) } }
        let inside = try await ProcessRunner(networkNamespace: name).run("ip", ["-o", "link", "show"]).text
        let links = inside.split(separator: "\n")
        #expect(links.count == 1 && links[0].contains("lo:"), "a fresh namespace has only lo, got \(inside)")
        try await ProcessRunner().run("ip", ["netns", "del", name])
    }

    @Test func aTimeLimitAbandonsAnOperationThatIgnoresCancellation() async throws {
        let finished = Atomic<Bool>(false)
        let error = try await #require(throws: TimeLimitExceeded.self) {
            try await withTimeLimit(.milliseconds(100)) {
                // Like a blocking libvirt call, this wait cannot be cancelled (and holds no test thread).
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
                        finished.store(true, ordering: .relaxed)
                        done.resume()
                    }
                }
            }
        }
        #expect(error.limit == .milliseconds(100))
        let operationEnded = finished.load(ordering: .relaxed)
        #expect(!operationEnded, "the caller got the timeout before the operation ended")
    }

    @Test func aTimeLimitThatAwaitsCancellationReturnsAfterTheOperationsCleanup() async throws {
        let cleanedUp = Atomic<Bool>(false)
        await #expect(throws: TimeLimitExceeded.self) {
            try await withTimeLimit(.milliseconds(50), overrun: .awaitCancellation) {
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    usleep(100_000)  // cleanup that takes a while
                    cleanedUp.store(true, ordering: .relaxed)
                    throw error
                }
            }
        }
        let cleanupRan = cleanedUp.load(ordering: .relaxed)
        #expect(cleanupRan)
    }

    @Test func aTimeLimitReturnsTheResultAndTheCustomErrorOnTimeout() async throws {
        #expect(try await withTimeLimit(.seconds(5)) { 42 } == 42)
        struct Late: Error {}
        await #expect(throws: Late.self) {
            try await withTimeLimit(.milliseconds(10), onTimeout: { _ in Late() }) { try await Task.sleep(for: .seconds(30)) }
        }
    }

    @Test func fileDigestEqualsMd5sum() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let path = directory + "/image"
            // Over one read chunk, so the chunked hash is exercised.
            try await ProcessRunner().run("sh", ["-c", "head -c 3000000 /dev/urandom > \"$0\"", path])
            let expected = String(try await ProcessRunner().run("md5sum", ["--", path]).text.prefix(32))
            #expect(try await FileDigest.md5(ofFileAt: path) == expected)
            #expect(try FileDigest.md5Blocking(ofFileAt: path) == expected)
            #expect(FileDigest.md5(of: Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
            await #expect(throws: FileSystemError.self) { try await FileDigest.md5(ofFileAt: directory + "/missing") }
            #expect(throws: FileSystemError.self) { try FileDigest.md5Blocking(ofFileAt: directory + "/missing") }
        }
    }

    @Test func aDedicatedThreadRunsAtTheNicenessAskedAndLeavesTheProcessAlone() async throws {
        // Field 19 of /proc/<pid>/task/<tid>/stat (after the parenthesized name) is the thread's nice value.
        func nice(_ stat: String) -> Int? {
            stat.split(separator: ")").last?.split(separator: " ").dropFirst(16).first.flatMap { Int($0) }
        }
        let process = try #require(nice(try Files.readText("/proc/self/stat")))
        let seen = await withCheckedContinuation { (seen: CheckedContinuation<(String, String), Never>) in
            DedicatedThread.start(name: "nice-test", niceness: 5) {
                seen.resume(returning: ((try? Files.readText("/proc/thread-self/stat")) ?? "",
                                        (try? Files.readText("/proc/thread-self/comm")) ?? ""))
            }
        }
        #expect(nice(seen.0) == min(process + 5, 19))
        #expect(seen.1 == "nice-test\n")
        #expect(nice(try Files.readText("/proc/self/stat")) == process)
    }

    @Test func aStagedFileAppearsOnlyWhenCommittedAndLeavesNothingWhenDiscarded() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let target = directory + "/new/dir/image.qcow2"
            let kept = try StagedFile(target: target, byteLimit: 8, limitName: "the test's limit")
            try Array("12345".utf8).withUnsafeBytes { try kept.write($0) }
            #expect(!Files.exists(target))
            let tooMuch = #expect(throws: StagedFile.TooLarge.self) { try Array("6789".utf8).withUnsafeBytes { try kept.write($0) } }
            #expect(tooMuch?.description == "the file is larger than the test's limit: 9 bytes, at most 8")
            #expect(kept.finishHash() == FileDigest.md5(of: Array("12345".utf8)))
            try kept.commit(mode: 0o640)
            #expect(try Files.readText(target) == "12345")

            let dropped = try StagedFile(target: directory + "/other/dir/image")
            dropped.discard()
            #expect(!Files.exists(directory + "/other"), "the directories it made are gone")
            #expect(try Files.directoryEntries(directory + "/new/dir") == ["image.qcow2"])
        }
    }

    @Test func atomicWritesHaveExactlyTheModeAskedWhateverTheUmask() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { (directory: String) async throws in
            let previous = umask(0o077)
            defer { umask(previous) }
            let path = directory + "/dnsmasq.conf"
            let first = try Files.writeIfChanged("a\n", to: path, mode: 0o644)
            let second = try Files.writeIfChanged("a\n", to: path, mode: 0o644)
            #expect(first)
            #expect(!second, "unchanged content is not rewritten")
            var info = stat()
            #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o644)
        }
    }

    @Test func oneInterfaceNameRuleForEveryAgent() {
        for good in ["eth0", "br_eth0_100", "eth0.100", "vnic12.0", "a-b"] {
            #expect(NetworkNames.interfaceNameProblem(good) == nil, "\(good)")
        }
        let bad: [(String, String)] = [
            ("", "is empty"), ("-help", "must not start with '-'"), ("0123456789abcdef", "longer than 15"),
            ("a/b", "contains \"/\""), ("eth0:1", "contains \":\""), ("a b", "contains \" \""), ("a\"b", "contains"),
            ("é", "contains"), ("..", "not a valid interface name"),
        ]
        for (name, problem) in bad {
            #expect(NetworkNames.interfaceNameProblem(name)?.contains(problem) == true, "\(name.debugDescription)")
        }
        #expect(NetworkNames.canonicalMAC("52:54:00:AB:cd:0F") == "52:54:00:ab:cd:0f")
        #expect(NetworkNames.canonicalMAC("52:54:00:ab:cd") == nil)
        #expect(NetworkNames.canonicalMAC("52-54-00-ab-cd-0f") == nil)
    }
}
