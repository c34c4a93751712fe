import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Runs accepted async commands and delivers their replies, as one service of the agent's service group.
///
/// It owns every in-flight command, so graceful shutdown can stop new ones, let running ones finish and
/// deliver their callbacks within a bound, and only then let the process exit.
final class AsyncCommandRunner: Service, Sendable {
    struct Job: Sendable {
        let taskUUID: String
        let callbackURL: String
        let ticket: CommandAdmission.Ticket
        let work: @Sendable () async -> ByteBuffer
    }

    enum Admission: Equatable {
        case accepted
        case duplicate
        case stopping
    }

    private struct State {
        var accepting = true
        var running: Set<String> = []
    }

    private let state = Mutex(State())
    private let jobs: AsyncStream<Job>
    private let queue: AsyncStream<Job>.Continuation
    private let sender: CallbackSender
    private let admission: CommandAdmission
    private let drainTimeout: Duration
    private let logger: Logger

    init(sender: CallbackSender, admission: CommandAdmission, drainTimeout: Duration, logger: Logger) {
        (jobs, queue) = AsyncStream.makeStream(of: Job.self)
        self.sender = sender
        self.admission = admission
        self.drainTimeout = drainTimeout
        self.logger = logger
    }

    /// Takes a job unless its task is already running (ZStack ignores duplicates: never two replies) or
    /// the agent is stopping.
    func submit(_ job: Job) -> Admission {
        let admission: Admission = state.withLock { state in
            guard state.accepting else { return .stopping }
            guard state.running.insert(job.taskUUID).inserted else { return .duplicate }
            return .accepted
        }
        if admission == .accepted { queue.yield(job) }
        return admission
    }

    var inFlight: Int { state.withLock { $0.running.count } }

    func run() async throws {
        await withGracefulShutdownHandler {
            // A discarding group: a plain task group keeps every finished child until its result is consumed,
            // which this loop never does, so each async command leaked its task for the life of the process.
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { await self.execute(job) }
                }
                // Shutdown began: running commands get `drainTimeout` to finish and call back.
                let deadline = ContinuousClock.now + drainTimeout
                while inFlight > 0, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                if inFlight > 0 {
                    logger.warning("cancelling async commands still running at shutdown", metadata: ["count": "\(inFlight)"])
                    group.cancelAll()
                }
            }
        } onGracefulShutdown: {
            self.stopAccepting()
        }
    }

    private func stopAccepting() {
        state.withLock { $0.accepting = false }
        queue.finish()
    }

    private func execute(_ job: Job) async {
        let reply = await job.work()
        let delivery = await sender.deliver(reply, taskUUID: job.taskUUID, to: job.callbackURL)
        logger.debug("async reply", metadata: ["task_uuid": "\(job.taskUUID)", "delivery": "\(delivery)"])
        _ = state.withLock { $0.running.remove(job.taskUUID) }
        admission.release(job.ticket)
    }
}
