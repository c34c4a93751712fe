/// Runs `body`, then `cleanUp` whether `body` returned or threw: the `defer` async code cannot have. Labs use it
/// to remove what the agent made for them (namespaces named by the MN, not by the test) after every test.
public func withCleanUp<T>(_ body: () async throws -> T, cleanUp: () async -> Void) async throws -> T {
    let result: Result<T, any Error>
    do {
        result = .success(try await body())
    } catch {
        result = .failure(error)
    }
    await cleanUp()
    return try result.get()
}
