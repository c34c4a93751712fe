import AgentServer
import AgentWire
import Logging
import Synchronization

/// Reports a download's percentage to the MN's `/progress/report` (zstacklib's `Report`, process type
/// `AddImage`). Updates are coalesced: the download never waits for the MN, and the sender skips
/// percentages it had no time to post, but the last one (100 on success) is always sent.
final class DownloadProgress: Sendable {
    private let updates: AsyncStream<Int>
    private let sink: AsyncStream<Int>.Continuation
    private let template: ProgressReportCmd?
    private let events: EventPusher
    private let logger: Logger
    private let lastPercent = Mutex(-1)

    /// Reports only when the command carried a `threadContext` (the MN needs its `api`) and an MN is known.
    init(command: SftpBackupStorage.DownloadCmd, events: EventPusher, logger: Logger) {
        (updates, sink) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        self.events = events
        self.logger = logger
        if let threadContext = command.threadContext, events.sendCommandURL != nil {
            template = ProgressReportCmd(
                processType: "AddImage", resourceUuid: command.imageUuid, serverUuid: command.uuid,
                threadContextMap: threadContext, threadContextStack: command.threadContextStack)
        } else {
            template = nil
        }
    }

    /// Records a percentage (0...100); cheap, never blocks. Callable from any thread.
    func update(_ percent: Int) {
        guard template != nil else { return }
        let changed = lastPercent.withLock { last in
            defer { last = percent }
            return last != percent
        }
        if changed { sink.yield(percent) }
    }

    /// Records bytes received out of a total, when the source knows the total.
    func received(_ bytes: Int64, of total: Int64?) {
        guard let total, total > 0 else { return }
        // In floating point: a peer-reported total near Int64.max must not overflow the product.
        update(Int(min(100, max(0, Double(bytes) / Double(total) * 100))))
    }

    /// No more updates: `run()` sends the last one and returns.
    func finish() {
        sink.finish()
    }

    /// Posts updates until `finish()`.
    func run() async {
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
}
