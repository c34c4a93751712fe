import AgentWire
import Logging
import Synchronization

/// Reports a long operation's percentage to the MN's `/progress/report` (zstacklib's `Report`): each
/// report is `template` with `progress` set. Updates are coalesced: the operation never waits for the MN,
/// and the sender skips percentages it had no time to post, but the last one is always sent.
public final class ProgressReporter: Sendable {
    private let updates: AsyncStream<Int>
    private let sink: AsyncStream<Int>.Continuation
    private let template: ProgressReportCmd?
    private let events: EventPusher
    private let logger: Logger
    private let lastPercent = Mutex(-1)

    /// Reports only with a template (the command carried a `threadContext`, whose `api` the MN files the
    /// report under) and a known MN.
    public init(template: ProgressReportCmd?, events: EventPusher, logger: Logger) {
        (updates, sink) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        self.events = events
        self.logger = logger
        self.template = events.sendCommandURL == nil ? nil : template
    }

    /// Records a percentage (0...100); cheap, never blocks. Callable from any thread.
    public func update(_ percent: Int) {
        guard template != nil else { return }
        let changed = lastPercent.withLock { last in
            defer { last = percent }
            return last != percent
        }
        if changed { sink.yield(percent) }
    }

    /// Records bytes done out of a total, when the total is known.
    public func received(_ bytes: Int64, of total: Int64?) {
        guard let total, total > 0 else { return }
        // In floating point: a peer-reported total near Int64.max must not overflow the product.
        update(Int(min(100, max(0, Double(bytes) / Double(total) * 100))))
    }

    /// No more updates: `run()` sends the last one and returns.
    public func finish() {
        sink.finish()
    }

    /// Posts updates until `finish()`.
    public func run() async {
        guard let template else { return }
        for await percent in updates {
            var report = template
            report.progress = String(percent)
            do {
                try await events.push(ProgressReportCmd.commandPath, report)
            } catch {
                logger.debug("progress report not delivered", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Runs `body` while posting its updates; the last one is sent before this returns.
    public func reporting<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            defer { finish() }
            return try await body()
        }
    }
}
