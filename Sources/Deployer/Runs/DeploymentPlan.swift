/// What a run does to its hosts, decided once before any is touched: every host's decision with its reason,
/// and the hosts to deploy in the order they are batched. The batches are cut from that order as the run
/// goes, because their size may follow a setting that changes meanwhile (`BatchSize.setting`).
struct DeploymentPlan: Sendable {
    struct Entry: Sendable {
        var host: HostRecord
        var decision: HostDecision
    }

    struct Batch: Sendable {
        var number: Int
        var hosts: [HostRecord]
    }

    /// Every host of the run with its decision, in the order they were given.
    let entries: [Entry]
    /// Restarted even when no file changed (ZStack's `init`): the hosts deployed for a forced reason.
    let restarts: Set<String>
    /// The hosts to deploy not yet batched, by kind, address and port.
    private(set) var queue: [HostRecord]
    private(set) var nextBatchNumber: Int

    init(entries: [Entry], forced: ForcedReason?, firstBatchNumber: Int) {
        self.entries = entries
        queue = entries.filter { $0.decision.verdict == .deploy }.map(\.host)
            .sorted { ($0.kind.rawValue, $0.address, $0.sshPort) < ($1.kind.rawValue, $1.address, $1.sshPort) }
        restarts = forced == nil ? [] : Set(queue.map(\.uuid))
        nextBatchNumber = firstBatchNumber
    }

    /// Decides for every host: first without SSH (the inventory, then every agent's manifest, at most
    /// `manifestConcurrency` at a time), then over SSH for the hosts that step left open, at most
    /// `concurrency` at a time. `authFiles`: what every host receives beyond its release
    /// (``AgentAuthPlan/files``).
    static func make(_ hosts: [HostRecord], forced: ForcedReason?, catalog: ReleaseCatalog, authFiles: [String: String],
                     check: HostCheck, concurrency: Int, manifestConcurrency: Int, firstBatchNumber: Int = 1)
        async -> DeploymentPlan
    {
        let recorded = (try? await check.inventory.deployedFiles()) ?? [:]
        let looks = await eachHost(hosts, concurrency: manifestConcurrency) { host in
            await check.firstLook(host, release: catalog.releases[host.kind], forced: forced?.rawValue,
                                  recorded: recorded[host.uuid] ?? [:], authFiles: authFiles)
        }
        let open = hosts.filter { if case .decided = looks[$0.uuid] { false } else { true } }
        let settled = await eachHost(open, concurrency: concurrency) { host in
            await check.decide(host, release: catalog.releases[host.kind], after: looks[host.uuid]!)
        }
        let entries = hosts.map { host -> Entry in
            if let decision = settled[host.uuid] { return Entry(host: host, decision: decision) }
            guard case .decided(let decision) = looks[host.uuid] else { preconditionFailure("\(host.label) left undecided") }
            return Entry(host: host, decision: decision)
        }
        return DeploymentPlan(entries: entries, forced: forced, firstBatchNumber: firstBatchNumber)
    }

    /// `body` of every host, at most `concurrency` at a time, by host uuid.
    private static func eachHost<T: Sendable>(_ hosts: [HostRecord], concurrency: Int,
                                              _ body: @escaping @Sendable (HostRecord) async -> T) async -> [String: T] {
        await withTaskGroup(of: (String, T).self) { group in
            var results: [String: T] = [:]
            var next = hosts.makeIterator()
            func addNext() -> Bool {
                guard let host = next.next() else { return false }
                group.addTask { (host.uuid, await body(host)) }
                return true
            }
            for _ in 0..<max(1, concurrency) where !addNext() { break }
            while let (uuid, result) = await group.next() {
                results[uuid] = result
                _ = addNext()
            }
            return results
        }
    }

    /// The next `size` hosts of the queue, numbered; nil when every host to deploy was batched.
    mutating func nextBatch(size: Int) -> Batch? {
        guard !queue.isEmpty else { return nil }
        let hosts = Array(queue.prefix(max(1, size)))
        queue.removeFirst(hosts.count)
        defer { nextBatchNumber += 1 }
        return Batch(number: nextBatchNumber, hosts: hosts)
    }
}
