import Libvirt
import Testing

@Suite("Libvirt domain events")
struct EventTests {
    @Test("events for operations done by another connection arrive typed, in order",
          .timeLimit(.minutes(1)))
    func otherConnection() async throws {
        let watcher = try await TestDomains.openDefault()
        let actor = try await TestDomains.openDefault()

        let events = try await watcher.domainEvents()
        let name = TestDomains.uniqueName("events")

        let domain = try await actor.defineDomain(xml: TestDomains.xml(name: name))
        try await domain.start()
        try await domain.suspend()
        try await domain.resume()
        try await domain.destroy()
        try await domain.undefine()

        var seen: [DomainLifecycleEvent.Kind] = []
        // Lifecycle events only: the test driver emits no reboot events.
        for await case .lifecycle(let event) in events where event.domainName == name {
            #expect(event.domainUUID == domain.uuid)
            seen.append(event.kind)
            if event.kind == .undefined { break }
        }
        #expect(seen == [.defined, .started, .suspended, .resumed, .stopped, .undefined])
        await watcher.close()
        await actor.close()
    }

    @Test("closing the connection finishes its event streams", .timeLimit(.minutes(1)))
    func closeFinishes() async throws {
        let connection = try await TestDomains.openDefault()
        let events = try await connection.domainEvents()
        await connection.close()
        // Reaching the end of each loop is the check: a stream left open would hang until the time limit.
        for await _ in events {}
        var closeReasons: [ConnectionCloseReason] = []
        for await reason in connection.closeEvents { closeReasons.append(reason) }
        #expect(closeReasons.isEmpty)  // closed by us: no close notification
    }
}
