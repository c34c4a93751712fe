import Libvirt
import Testing

@Suite("Libvirt domains on the test driver")
struct DomainLifecycleTests {
    @Test("define, start, suspend, resume, shutdown, destroy, undefine: libvirt's state after each step")
    func lifecycle() async throws {
        let connection = try await TestDomains.openDefault()
        let name = TestDomains.uniqueName("life")
        let domain = try await connection.defineDomain(xml: TestDomains.xml(name: name))
        #expect(domain.name == name)
        #expect(domain.uuid.count == 36)
        #expect(try await domain.state().state == .shutoff)

        try await domain.start()
        #expect(try await domain.state().state == .running)
        try await domain.suspend()
        #expect(try await domain.state().state == .paused)
        try await domain.resume()
        #expect(try await domain.state().state == .running)
        try await domain.shutdown()
        #expect(try await domain.state().state == .shutoff)
        try await domain.start()
        try await domain.reboot()
        #expect(try await domain.state().state == .running)
        try await domain.destroy()
        let stopped = try await domain.state()
        #expect(stopped.state == .shutoff)
        #expect(stopped.reason == 2)  // VIR_DOMAIN_SHUTOFF_DESTROYED

        try await domain.undefine()
        #expect(try await connection.domain(named: name) == nil)
        domain.close()
    }

    @Test("info and lookup by name and uuid see the defined sizes")
    func infoAndLookup() async throws {
        let connection = try await TestDomains.openDefault()
        let name = TestDomains.uniqueName("info")
        let defined = try await connection.defineDomain(xml: TestDomains.xml(name: name, memoryKiB: 131_072, vcpus: 3))
        let byName = try #require(try await connection.domain(named: name))
        let byUUID = try #require(try await connection.domain(uuid: defined.uuid))
        #expect(byName.uuid == defined.uuid)
        #expect(byUUID.name == name)
        let info = try await byName.info()
        #expect(info.virtualCPUs == 3)
        #expect(info.maxMemoryKiB == 131_072)
        #expect(info.state == .shutoff)
        try await defined.undefine()
    }

    @Test("XML carries the VNC password only when asked for secure XML")
    func secureXML() async throws {
        let connection = try await TestDomains.openDefault()
        let name = TestDomains.uniqueName("secure")
        let domain = try await connection.defineDomain(xml: TestDomains.xml(name: name, vncPassword: "s3cret"))
        #expect(try await domain.xml().contains("passwd='s3cret'"))
        #expect(try await !domain.xml(secure: false).contains("s3cret"))
        #expect(try await domain.xml().contains("<name>\(name)</name>"))
        try await domain.undefine()
    }

    @Test("allDomains lists what was defined, with states")
    func listAll() async throws {
        let connection = try await TestDomains.openDefault()
        let names = (0..<3).map { _ in TestDomains.uniqueName("list") }
        var domains: [LibvirtDomain] = []
        for name in names {
            domains.append(try await connection.defineDomain(xml: TestDomains.xml(name: name)))
        }
        try await domains[1].start()
        try await domains[2].start()
        try await domains[2].suspend()

        let listed = Dictionary(uniqueKeysWithValues: try await connection.allDomains().map { ($0.name, $0) })
        #expect(listed[names[0]]?.state.state == .shutoff)
        #expect(listed[names[1]]?.state.state == .running)
        #expect(listed[names[2]]?.state.state == .paused)
        #expect(listed[names[1]]?.uuid == domains[1].uuid)

        for domain in domains {
            if try await domain.state().state != .shutoff { try await domain.destroy() }
            try await domain.undefine()
        }
        let after = Set(try await connection.allDomains().map(\.name))
        #expect(after.isDisjoint(with: names))
    }
}

@Suite("Libvirt bulk listing")
struct BulkListingTests {
    @Test("allDomains returns 5,000 domains of a private test host with their states in one call")
    func fiveThousand() async throws {
        let node = try TestNodeFile(domainName: TestDomains.uniqueName("seed"))
        defer { node.remove() }
        // A node-file URI gets a private in-memory host, so the 5,000 domains do not leak into other tests.
        let connection = try await LibvirtConnection.open(uri: node.uri)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in stride(from: worker, to: 5_000, by: 4) {
                        let domain = try await connection.defineDomain(xml: TestDomains.xml(name: "bulk-\(index)"),
                                                                       validate: false)
                        if index.isMultiple(of: 2) { try await domain.start() }
                    }
                }
            }
            try await group.waitForAll()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let listed = try await connection.allDomains().filter { $0.name.hasPrefix("bulk-") }
        print("allDomains: \(listed.count) domains in \(clock.now - start)")
        #expect(listed.count == 5_000)
        #expect(listed.filter { $0.state.state == .running }.count == 2_500)
        #expect(Set(listed.map(\.uuid)).count == 5_000)
        await connection.close()
    }
}
