import HostSystem
import Testing
import TestSupport

/// What replaced Foundation's `String(format:)`, `DateFormatter`, `Thread` and `lastPathComponent` in the
/// agents writes what they wrote.
@Suite struct CFormattingTests {
    @Test(arguments: [
        (2.675, 2, "2.67"), (2.595124, 2, "2.60"), (0.0005, 3, "0.001"), (1.5, 0, "2"), (-0.004, 2, "-0.00"),
        (1e20, 2, "100000000000000000000.00"), (12.3456, 3, "12.346"),
    ] as [(Double, Int, String)])
    func decimalIsPrintfs(value: Double, digits: Int, expected: String) {
        #expect(CFormatting.decimal(value, fractionDigits: digits) == expected)
    }

    /// The host's time zone, whatever it is here, agrees with date(1)'s.
    @Test func localTimeIsDates() async throws {
        for seconds in [0, 1_700_000_000, 1_719_792_000] {
            let date = try await Program.output(["date", "-d", "@\(seconds)", "+%Y-%m-%d %H:%M:%S"]).trimmingWhitespace()
            #expect(CFormatting.localTime(Double(seconds) + 0.999, format: "%Y-%m-%d %H:%M:%S") == date)
        }
    }

    @Test(arguments: [
        ("/opt/zstack/bin/zstack-kvmagent", "zstack-kvmagent"), ("/a/b/", "b"), ("/", "/"), ("name", "name"), ("", ""),
    ])
    func lastComponentIsBasenames(path: String, expected: String) {
        #expect(Files.lastComponent(of: path) == expected)
    }

    @Test func dedicatedThreadRunsItsBodyUnderItsName() async throws {
        let name: String = await withCheckedContinuation { continuation in
            DedicatedThread.start(name: "size-test-thread-long") {
                continuation.resume(returning: (try? Files.readText("/proc/thread-self/comm")) ?? "?")
            }
        }
        #expect(name.trimmingWhitespace() == "size-test-threa")
    }
}
