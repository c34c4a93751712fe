#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem
import Synchronization

/// The downloads in flight, so `/job/cancel` can stop those of one API (`threadContext.api`), and the
/// deadline each runs under. A stopped download's task is cancelled and awaited: its cleanup has run by
/// the time the caller sees the error.
final class DownloadJobs: Sendable {
    private struct Job {
        let apiId: String?
        let stop: AsyncStream<Void>.Continuation
    }

    private let jobs = Mutex<[UUID: Job]>([:])

    /// Runs `operation` until it finishes, `timeout` passes, or `cancel(apiId:)` names its API.
    func run<T: Sendable>(
        apiId: String?,
        timeout: Duration,
        describe: String,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        let id = UUID()
        jobs.withLock { $0[id] = Job(apiId: apiId, stop: stop) }
        defer { _ = jobs.withLock { $0.removeValue(forKey: id) } }
        return try await withTimeLimit(timeout, overrun: .awaitCancellation, onTimeout: {
            SftpBackupStorageError("\(describe) timed out after \(Self.seconds($0)) s")
        }) {
            try await Self.untilStopped(stopped, apiId: apiId, describe: describe, operation)
        }
    }

    /// Runs `operation` until it finishes or `stopped` yields (the MN cancelled its API).
    private static func untilStopped<T: Sendable>(
        _ stopped: AsyncStream<Void>, apiId: String?, describe: String,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                for await _ in stopped {
                    throw SftpBackupStorageError("\(describe) was cancelled (API \(apiId ?? ""))")
                }
                return nil
            }
            defer { group.cancelAll() }
            while let finished = try await group.next() {
                if let value = finished { return value }
            }
            throw CancellationError()
        }
    }

    /// Stops every running download of the API; returns how many.
    @discardableResult
    func cancel(apiId: String) -> Int {
        let matching = jobs.withLock { $0.values.filter { $0.apiId == apiId } }
        for job in matching { job.stop.yield() }
        return matching.count
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds)" : CFormatting.decimal(Double(seconds) + Double(attoseconds) / 1e18, fractionDigits: 3)
    }
}
