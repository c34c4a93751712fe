import Foundation

/// How much to fuzz: `make test` runs a bounded number of requests per agent; `make fuzz` sets
/// `ZSTACK_FUZZ_REQUESTS` (100,000). `ZSTACK_FUZZ_SEED` replays another run; the seed is always printed.
struct FuzzSettings: Sendable {
    static let boundedRequests = 1200
    static let defaultSeed: UInt64 = 0x2026_1201_F022

    let requests: Int
    let seed: UInt64
    let workers: Int

    static var current: FuzzSettings {
        let environment = ProcessInfo.processInfo.environment
        return FuzzSettings(
            requests: environment["ZSTACK_FUZZ_REQUESTS"].flatMap { Int($0) } ?? boundedRequests,
            seed: environment["ZSTACK_FUZZ_SEED"].flatMap { UInt64($0) } ?? defaultSeed,
            workers: environment["ZSTACK_FUZZ_WORKERS"].flatMap { Int($0) } ?? 4)
    }
}
