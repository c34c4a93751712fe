/// Runs async jobs one after another, in the order they were submitted: an async lock for work that must
/// not overlap (an actor alone would interleave jobs at every `await`).
public final class SerialQueue: Sendable {
    private let state = TailState()

    public init() {}

    public func run<T: Sendable>(_ job: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = await state.append(job)
        return try await task.value
    }

    private actor TailState {
        private var tail: Task<Void, Never>?

        func append<T: Sendable>(_ job: @escaping @Sendable () async throws -> T) -> Task<T, any Error> {
            let previous = tail
            let task = Task {
                await previous?.value
                return try await job()
            }
            tail = Task { _ = try? await task.value }
            return task
        }
    }
}
