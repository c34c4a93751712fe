import HostSystem
import Testing

@Suite struct TaskChainTests {
    private actor Log {
        var entries: [String] = []
        func add(_ entry: String) { entries.append(entry) }
    }

    /// A body submitted while another is suspended waits for it to end, and a failure does not stop the next.
    @Test func bodiesRunOneAfterAnotherInOrder() async throws {
        let chain = TaskChain()
        let log = Log()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            try await chain.run { @Sendable in
                await log.add("first start")
                for await _ in gate { break }
                await log.add("first end")
                throw CancellationError()
            }
        }
        while await log.entries.isEmpty { await Task.yield() }
        let second = Task { try await chain.run { @Sendable in await log.add("second") } }
        for _ in 0..<200 { await Task.yield() }
        #expect(await log.entries == ["first start"], "the second body ran while the first was suspended")
        open.yield()
        await #expect(throws: CancellationError.self) { try await first.value }
        try await second.value
        #expect(await log.entries == ["first start", "first end", "second"])
    }
}
