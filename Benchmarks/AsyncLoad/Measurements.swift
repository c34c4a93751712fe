import BenchSupport
import NIOCore
import Synchronization

/// What one load run completed inside its measured window (after the warm-up), gathered from every event loop
/// under one lock: a lock per completed request is far below what the servers under test cost per request.
final class Measurements: Sendable {
    private struct State {
        var window: ClosedRange<UInt64>?
        var latencies: [UInt32] = []
        var errors = 0
        var ended = 0
        var firstError: String?
    }

    private let state = Mutex(State())

    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// Counts what completes from now on, for `seconds` (nil: until `summary`).
    func openWindow(seconds: Double?) {
        let start = Measurements.now()
        let end = seconds.map { start + UInt64($0 * 1e9) } ?? .max
        state.withLock { $0.window = start...end; $0.latencies.removeAll(keepingCapacity: true); $0.errors = 0 }
    }

    /// A request or command that ended at `end`, `latency` nanoseconds after it started (or was meant to).
    func completed(at end: UInt64, latency: UInt64, ok: Bool) {
        state.withLock {
            $0.ended += 1
            guard let window = $0.window, window.contains(end) else { return }
            if ok {
                $0.latencies.append(UInt32(clamping: latency / 1_000))
            } else {
                $0.errors += 1
            }
        }
    }

    /// A request that got no reply, or a connection that could not be opened.
    func failed() { state.withLock { $0.errors += 1; $0.ended += 1 } }

    /// The first error a connection saw, for the summary's reader to look into.
    func note(_ error: any Error) { state.withLock { $0.firstError = $0.firstError ?? "\(error)" } }

    var firstError: String? { state.withLock { $0.firstError } }

    /// Requests that completed or failed, warm-up included: how a run bounded by a request count knows it is done.
    var endedCount: Int { state.withLock { $0.ended } }

    /// `requests=… seconds=… rate=… p50_ms=… p90_ms=… p99_ms=… max_ms=… errors=…`, one line for the bench script.
    func summary(seconds: Double) -> String {
        let (latencies, errors) = state.withLock { ($0.latencies, $0.errors) }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "nan" }
            let index = min(sorted.count - 1, Int((Double(sorted.count) * p / 100).rounded(.up)) - 1)
            return milliseconds(sorted[max(0, index)])
        }
        let rate = Double(sorted.count) / seconds
        return "requests=\(sorted.count) seconds=\(fixed(seconds, 3)) rate=\(fixed(rate, 1)) p50_ms=\(percentile(50)) "
            + "p90_ms=\(percentile(90)) p99_ms=\(percentile(99)) max_ms=\(sorted.last.map(milliseconds) ?? "nan") errors=\(errors)"
    }

    private func milliseconds(_ microseconds: UInt32) -> String { fixed(Double(microseconds) / 1_000, 3) }
}
