import Libvirt
import Testing

@Suite("Libvirt connections, errors and host information")
struct ConnectionTests {
    @Test("a node file gives its CPUs, memory and domains")
    func nodeFile() async throws {
        let name = TestDomains.uniqueName("node")
        let node = try TestNodeFile(domainName: name)
        defer { node.remove() }
        let connection = try await LibvirtConnection.open(uri: node.uri)

        let info = try await connection.nodeInfo()
        #expect(info.cpus == 8)
        #expect(info.mhz == 2400)
        #expect(info.memoryKiB == 8_388_608)
        #expect(info.sockets == 2)
        #expect(info.coresPerSocket == 4)
        #expect(info.threadsPerCore == 1)
        #expect(info.model == "x86_64")

        // The test driver starts the domains of a node file.
        let domain = try #require(try await connection.domain(named: name))
        #expect(try await domain.state().state == .running)
        #expect(try await connection.allDomains().map(\.name) == [name])
    }

    @Test("the default test host reports free memory below its total")
    func freeMemory() async throws {
        let connection = try await TestDomains.openDefault()
        let free = try await connection.freeMemoryBytes()
        #expect(free > 0)
        #expect(free <= (try await connection.nodeInfo().memoryKiB) * 1024)
        await connection.close()
    }

    @Test("versions are decoded from libvirt's packed form")
    func versions() async throws {
        let connection = try await TestDomains.openDefault()
        let library = try await connection.libraryVersion()
        #expect(library >= LibvirtVersion(major: 1, minor: 0, release: 4))
        #expect(library.description.split(separator: ".").count == 3)
        #expect(try await connection.hypervisorVersion() > LibvirtVersion(major: 0, minor: 0, release: 0))
        #expect(LibvirtVersion(encoded: 7_002_001).description == "7.2.1")
    }

    @Test("a missing domain is nil, not an error")
    func missingDomain() async throws {
        let connection = try await TestDomains.openDefault()
        #expect(try await connection.domain(named: TestDomains.uniqueName("absent")) == nil)
        #expect(try await connection.domain(uuid: "00000000-0000-0000-0000-00000000dead") == nil)
    }

    @Test("bad XML is a LibvirtError with libvirt's code and message")
    func badXML() async throws {
        let connection = try await TestDomains.openDefault()
        let error = try await #require(throws: LibvirtError.self) {
            try await connection.defineDomain(xml: "<domain type='test'><name>broken")
        }
        #expect(error.code == .xmlDetail)
        #expect(!error.message.isEmpty)
        #expect(error.description.contains("virDomainDefineXMLFlags"))

        let invalid = try await #require(throws: LibvirtError.self) {
            try await connection.defineDomain(xml: "<domain type='test'><name>x</name><bogus/></domain>")
        }
        #expect(invalid.code == LibvirtError.Code(rawValue: 92))  // VIR_ERR_XML_INVALID_SCHEMA
        #expect(invalid.message.contains("bogus"))
    }

    @Test("a call in the wrong state carries the driver's code and message")
    func wrongState() async throws {
        let connection = try await TestDomains.openDefault()
        let domain = try await connection.defineDomain(xml: TestDomains.xml(name: TestDomains.uniqueName("state")))
        let error = try await #require(throws: LibvirtError.self) { try await domain.suspend() }
        #expect(error.code == .internalError)  // the test driver's code; qemu says .operationInvalid
        #expect(error.message.contains("not running"))
        try await domain.undefine()
    }

    @Test("an unknown URI fails to open with a LibvirtError")
    func badURI() async throws {
        let error = try await #require(throws: LibvirtError.self) {
            try await LibvirtConnection.open(uri: "test:///nonexistent/dir/node.xml")
        }
        #expect(error.operation.contains("virConnectOpen"))
        #expect(!error.message.isEmpty)
    }

    @Test("after close every call throws closed, and domains keep their own reference")
    func closed() async throws {
        let connection = try await TestDomains.openDefault()
        let domain = try await connection.defineDomain(xml: TestDomains.xml(name: TestDomains.uniqueName("closed")))
        await connection.close()
        await connection.close()
        let error = try await #require(throws: LibvirtError.self) { try await connection.nodeInfo() }
        #expect(error.code == .closed)
        #expect(try await domain.state().state == .shutoff)
        try await domain.undefine()
        domain.close()
        let afterClose = try await #require(throws: LibvirtError.self) { try await domain.state() }
        #expect(afterClose.code == .closed)
    }
}
