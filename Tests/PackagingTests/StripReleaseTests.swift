import TestSupport
import Foundation
import Testing

/// Packaging/strip-release on programs linked as swift-release links (gold, --no-eh-frame-hdr) and as the
/// tests' debug build is (with the index): the unwind tables go only where no index points at them, and a
/// main thread that leaves through pthread_exit (as dispatch_main does in every agent), the one unwind an
/// agent makes, still exits cleanly without them.
struct StripReleaseTests {
    static let program = """
        #include <pthread.h>
        #include <stdio.h>
        static void *worker(void *argument) { return argument; }
        int main(void) {
            pthread_t thread;
            pthread_create(&thread, NULL, worker, NULL);
            pthread_join(thread, NULL);
            puts("left through pthread_exit");
            fflush(stdout);
            pthread_exit(NULL);
        }
        """

    @Test func unwindTablesGoOnlyWithoutAnIndexAndPthreadExitStillWorks() async throws {
        let scratch = try Repository.temporaryDirectory("strip-release")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = scratch.appendingPathComponent("exit.c").path
        try Self.program.write(toFile: source, atomically: true, encoding: .utf8)
        let strip = Repository.root.appendingPathComponent("Packaging/strip-release").path
        for (name, linkFlags, tablesKept) in [("release", ["-Wl,--no-eh-frame-hdr"], false), ("debug", [], true)] {
            let linked = scratch.appendingPathComponent(name).path, stripped = linked + ".stripped"
            _ = try await Program.check(["clang", "-O1", "-fuse-ld=gold"] + linkFlags + ["-o", linked, source, "-lpthread"])
            _ = try await Program.check([strip, linked, stripped])
            let sections = try await Program.check(["readelf", "-SW", stripped]).output
            #expect(sections.contains(".eh_frame") == tablesKept, "\(name): \(sections)")
            #expect(!sections.contains(".symtab"), "\(name): symbols stripped")
            let ran = try await Program.run([stripped])
            #expect(ran.status == 0 && ran.output.contains("left through pthread_exit"), "\(name): \(ran.transcript)")
        }
    }
}
