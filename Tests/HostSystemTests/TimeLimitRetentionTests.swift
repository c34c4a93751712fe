@testable import HostSystem
import Synchronization
import Testing

/// Issue 18: every time limit in the process shares one timer, so a limit that is not taken back when its
/// operation ends would stay in memory until it expires (an hour for an agent command). Each test uses a
/// timer of its own and reads what it still holds once the operations have ended, however they ended.
@Suite struct TimeLimitRetentionTests {
    struct Failed: Error {}

    @Test func operationsThatEndInTimeLeaveNothingBehind() async throws {
        let timer = DeadlineTimer()
        for value in 0..<200 {
            #expect(try await withTimeLimit(.seconds(3600), overrun: .abandon, onTimeout: nil, on: timer) { value } == value)
            await #expect(throws: Failed.self) {
                try await withTimeLimit(.seconds(3600), overrun: .awaitCancellation, onTimeout: nil, on: timer) { throw Failed() }
            }
        }
        #expect(timer.pendingCount == 0)
    }

    @Test func aRunningOperationHoldsItsLimitUntilItEnds() async throws {
        let timer = DeadlineTimer()
        let gate = AsyncStream.makeStream(of: Void.self)
        let started = AsyncStream.makeStream(of: Void.self)
        let running = Task {
            try await withTimeLimit(.seconds(3600), overrun: .abandon, onTimeout: nil, on: timer) {
                started.continuation.yield()
                for await _ in gate.stream { break }
                return 1
            }
        }
        for await _ in started.stream { break }
        #expect(timer.pendingCount == 1)
        gate.continuation.yield()
        #expect(try await running.value == 1)
        #expect(timer.pendingCount == 0)
    }

    @Test func expiredAndCancelledOperationsLeaveNothingBehind() async throws {
        let timer = DeadlineTimer()
        for overrun in [OverrunOperation.abandon, .awaitCancellation] {
            await #expect(throws: TimeLimitExceeded.self) {
                try await withTimeLimit(.milliseconds(1), overrun: overrun, onTimeout: nil, on: timer) {
                    try await Task.sleep(for: .seconds(3600))
                }
            }
        }
        let cancelled = Task {
            try await withTimeLimit(.seconds(3600), overrun: .abandon, onTimeout: nil, on: timer) {
                try await Task.sleep(for: .seconds(3600))
            }
        }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(timer.pendingCount == 0)
    }
}
