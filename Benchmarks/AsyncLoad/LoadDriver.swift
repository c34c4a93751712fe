import BenchSupport
import NIOCore
import NIOPosix

/// Opens the run's connections, lets them send through the warm-up and the measured window (or until the
/// run's request count is done), and reports what the window completed.
enum LoadDriver {
    static func measure(_ run: LoadRun, connections: Int, group: any EventLoopGroup,
                        warmup: Double, seconds: Double, requests: Int?) async throws -> String {
        for index in 0..<connections {
            LoadConnection.open(run: run, index: index, connections: connections, on: group.next())
        }
        let started = Measurements.now()
        if let requests {
            run.measurements.openWindow(seconds: nil)
            while run.measurements.endedCount < requests {
                try await Task.sleep(for: .milliseconds(5))
            }
        } else {
            try await Task.sleep(for: .milliseconds(Int(warmup * 1_000)))
            run.measurements.openWindow(seconds: seconds)
            try await Task.sleep(for: .milliseconds(Int(seconds * 1_000)))
        }
        run.stop()
        let elapsed = requests == nil ? seconds : Double(Measurements.now() - started) / 1e9
        // The callbacks of the commands still in flight, so that the agent is not left retrying them
        // into the next measurement.
        for _ in 0..<500 where (run.async?.pending.count ?? 0) > 0 { try await Task.sleep(for: .milliseconds(10)) }
        await run.closeAll()
        if let error = run.measurements.firstError { progress("async-load: first error: \(error)") }
        return run.measurements.summary(seconds: elapsed)
    }
}
