import Libvirt

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Helpers shared by the Libvirt suites. Every `test:///default` connection in one process sees the same
/// in-memory host, so each test names its domains uniquely.
enum TestDomains {
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The smallest domain the test driver accepts, optionally with a VNC password to test secure XML.
    static func xml(name: String, memoryKiB: Int = 65_536, vcpus: Int = 2, vncPassword: String? = nil) -> String {
        let graphics = vncPassword.map { "<devices><graphics type='vnc' port='-1' passwd='\($0)'/></devices>" } ?? ""
        return """
        <domain type='test'><name>\(name)</name><memory unit='KiB'>\(memoryKiB)</memory>\
        <vcpu>\(vcpus)</vcpu><os><type arch='i686'>hvm</type></os>\(graphics)</domain>
        """
    }

    static func openDefault() async throws -> LibvirtConnection {
        try await LibvirtConnection.open(uri: "test:///default")
    }
}

/// A `test:///<path>` node description in a temporary directory, removed by `remove()`.
struct TestNodeFile {
    let directory: URL
    let uri: String

    /// A host with 1 NUMA cell, 2 sockets × 4 cores × 1 thread at 2400 MHz, 8 GiB, and one running domain.
    init(domainName: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("libvirt-node-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let node = directory.appendingPathComponent("node.xml")
        let xml = """
        <node>
          <cpu><mhz>2400</mhz><model>x86_64</model><active>8</active><nodes>1</nodes>\
        <sockets>2</sockets><cores>4</cores><threads>1</threads></cpu>
          <memory>8388608</memory>
          \(TestDomains.xml(name: domainName))
        </node>
        """
        try Data(xml.utf8).write(to: node)
        uri = "test://\(node.path)"
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
