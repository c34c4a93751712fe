/// Runs bodies one after another, in the order they arrive, each to its end before the next starts.
///
/// An actor alone does not give that: while one call awaits a program (`ip`, ebtables, dnsmasq), the actor
/// runs the next call, and two commands about the same namespace would interleave their steps. The
/// virtual-router agent's `VirtualRouter.serialized` chains its tasks the same way, with the actor's
/// isolation passed along.
public actor TaskChain {
    private var tail: Task<Void, Never>?

    public init() {}

    /// Runs `body` once every body submitted before it has ended; its error (or cancellation) is the
    /// caller's, and never stops the bodies after it.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task { () async throws -> T in
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
