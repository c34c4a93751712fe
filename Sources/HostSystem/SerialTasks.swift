/// Runs operations one after another, in the order they were enqueued: what an actor alone does not do, since
/// it interleaves its methods at every `await`. Agents whose commands read the host's state and write it
/// back (iptables, dnsmasq files, namespaces) keep one of these in their actor (or use `TaskChain`), so no
/// command sees another's half.
public struct SerialTasks: Sendable {
    private var tail: Task<Void, Never>?

    public init() {}

    /// Starts `body` once everything enqueued before it has finished (failed or not); the caller awaits the
    /// returned task's value. Synchronous, so an actor can call it on a stored property.
    public mutating func enqueue<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Task<T, any Error> {
        let previous = tail
        let task = Task { () async throws -> T in
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return task
    }
}

/// `SerialTasks` for holders that are not actors themselves (route groups are structs): one body at a time,
/// in arrival order; a body's error (or cancellation) is its caller's and never stops the bodies after it.
public actor TaskChain {
    private var tasks = SerialTasks()

    public init() {}

    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await tasks.enqueue(body).value
    }
}
