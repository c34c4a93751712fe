import KVMAgent
import Libvirt
import Testing

@Suite("Expected events")
struct ExpectedEventsTests {
    struct Failure: Error {}

    func event(_ vm: String, _ kind: DomainLifecycleEvent.Kind) -> DomainLifecycleEvent {
        DomainLifecycleEvent(domainName: vm, domainUUID: "", kind: kind, detail: 0)
    }

    @Test("an announced event is consumed once; other VMs and kinds are not")
    func consumedOnce() async throws {
        let expected = ExpectedEvents()
        try await expected.expecting("vm-1", .started) {}
        #expect(!expected.consume(event("vm-2", .started)))
        #expect(!expected.consume(event("vm-1", .stopped)))
        #expect(expected.consume(event("vm-1", .started)))
        #expect(!expected.consume(event("vm-1", .started)))
    }

    @Test("a failed operation withdraws what it announced")
    func failureWithdraws() async {
        let expected = ExpectedEvents()
        await #expect(throws: Failure.self) { try await expected.expecting("vm-1", .stopped) { throw Failure() } }
        #expect(!expected.consume(event("vm-1", .stopped)))
    }

    @Test("an event that never came lapses")
    func lapses() async throws {
        let expected = ExpectedEvents(lapse: .zero)
        try await expected.expecting("vm-1", .suspended) {}
        #expect(!expected.consume(event("vm-1", .suspended)))
    }
}
