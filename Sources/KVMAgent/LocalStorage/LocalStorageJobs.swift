import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The long local-storage operations in flight (template copies, merges, downloads from other hosts), so
/// that `/job/cancel` can stop those of one MN API (`threadContext.api`, as ZStack's agent finds its
/// traceable shells) and `/kvmhost/download/cancel` those writing one file. A stopped operation's task is
/// cancelled, which kills its qemu-img or SSH transfer, and awaited: its cleanup (the partial file) has run
/// before the cancel is answered.
final class LocalStorageJobs: Sendable {
    private struct Job: Sendable {
        let apiID: String?
        /// The file the operation makes.
        let target: String
        /// Where its bytes are until it finishes, once known.
        var staging: String?
        let stop: @Sendable () async -> Void
    }

    private let jobs = Mutex<[UUID: Job]>([:])

    /// The API id the MN names a command's job by.
    static func apiID(_ threadContext: [String: JSONValue]?) -> String? {
        if case let .string(id)? = threadContext?["api"], !id.isEmpty { id } else { nil }
    }

    /// Runs `operation`, which makes `target` and reports where it stages the bytes, until it ends or is
    /// stopped; a stopped one ends in an error naming `what`.
    func run<T: Sendable>(
        apiID: String?, target: String, _ what: String,
        _ operation: @escaping @Sendable (_ staging: @escaping @Sendable (String) -> Void) async throws -> T
    ) async throws -> T {
        let id = UUID()
        let task = Task { try await operation { path in self.jobs.withLock { $0[id]?.staging = path } } }
        jobs.withLock { $0[id] = Job(apiID: apiID, target: target, stop: { task.cancel(); _ = try? await task.value }) }
        defer { _ = jobs.withLock { $0.removeValue(forKey: id) } }
        do {
            return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        } catch where task.isCancelled {
            // The killed program's own error (signal 9) would hide why it ended.
            throw KVMAgentError(.localStorage, "\(what) was cancelled")
        }
    }

    /// Stops the operations of API `apiID` and waits for them to clean up; returns how many there were.
    @discardableResult
    func cancel(apiID: String) async -> Int {
        await stop { $0.apiID == apiID }
    }

    /// Stops the operations making `target` and waits for them to clean up.
    @discardableResult
    func cancel(target: String) async -> Int {
        await stop { $0.target == target }
    }

    /// Where the bytes of the operation making `target` are now, while one runs.
    func staging(of target: String) -> String? {
        jobs.withLock { jobs in jobs.values.first { $0.target == target }?.staging }
    }

    private func stop(_ matching: (Job) -> Bool) async -> Int {
        let stops = jobs.withLock { $0.values.filter(matching).map(\.stop) }
        for stop in stops { await stop() }
        return stops.count
    }
}
