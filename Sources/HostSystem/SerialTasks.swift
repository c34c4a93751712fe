/// Runs operations one after another, in the order they were enqueued: what an actor alone does not do, since
/// it interleaves its methods at every `await`. Agents whose commands read the host's state and write it
/// back (iptables, dnsmasq files) keep one of these in their actor, so no command sees another's half.
public struct SerialTasks: Sendable {
    private var tail: Task<Void, Never>?

    public init() {}

    /// Starts `body` once everything enqueued before it has finished (failed or not); the caller awaits the
    /// returned task's value. Synchronous, so an actor can call it on a stored property.
    public mutating func enqueue(_ body: @escaping @Sendable () async throws -> Void) -> Task<Void, any Error> {
        let previous = tail
        let task = Task { () async throws -> Void in
            await previous?.value
            try await body()
        }
        tail = Task { _ = try? await task.value }
        return task
    }
}
