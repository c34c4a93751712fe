/// Runs commands one after another, in arrival order, as deip.py's `@lock.lock('eip')` does: two
/// commands that make the same namespace must not interleave their checks and creations. An actor alone
/// would not do, since it lets another call in at each `await`.
actor EipCommandQueue {
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task {
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
