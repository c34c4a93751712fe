/// Polls `condition` every 50 ms until it holds or `limit` passes, and says whether it held: for effects
/// that follow a command asynchronously (a daemon exiting, a lease being released, a listener closing).
/// The limit bounds a wait; it is not what a test asserts.
public func eventually(within limit: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
}
