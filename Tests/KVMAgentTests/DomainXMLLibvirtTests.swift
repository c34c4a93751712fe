import AgentWire
import Foundation
import KVMAgent
import Libvirt
import Testing

/// The builder's output defined on libvirt's test driver, which parses and schema-validates it for real.
@Suite("Domain XML on the libvirt test driver")
struct DomainXMLLibvirtTests {
    let builder = DomainXMLBuilder(domainType: "test")

    @Test("a ZStack 5.x KVM.StartVmCmd decodes, builds, defines and reads back")
    func zstack5() async throws {
        let uuid = "b0" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(30)
        let command = try WireJSON.decode(KVM.StartVmCmd.self, from: Array(StartVmFixtures.zstack5JSON(uuid: uuid).utf8))
        #expect(command.kvmHostAddons?["qemuVersion"] == .string("6.2.0"))

        let connection = try await LibvirtConnection.open(uri: "test:///default")
        let domain = try await connection.defineDomain(xml: try builder.build(command), validate: true)
        #expect(domain.name == uuid)
        let info = try await domain.info()
        #expect(info.virtualCPUs == 4)
        #expect(info.maxMemoryKiB == 2_097_152)

        let xml = try XMLQuery(try await domain.xml())
        #expect(try xml.value("/domain/description") == #"web-01 <prod> & "friends""#)
        #expect(try xml.values("/domain/devices/disk[@device='disk']/target/@dev") == ["vda", "vdb"])
        #expect(try xml.value("/domain/devices/disk[@type='block']/source/@dev") == "/dev/vg0/data-1")
        #expect(try xml.values("/domain/devices/disk[@device='cdrom']/target/@dev") == ["hdc", "hdd"])
        #expect(try xml.values("/domain/devices/interface/mac/@address") == ["fa:a3:5c:1e:7b:00", "fa:a3:5c:1e:7b:01"])
        #expect(try xml.values("/domain/devices/interface/source/@bridge") == ["br_eth0_100", "br_eth1"])
        #expect(try xml.values("/domain/devices/interface/model/@type") == ["virtio", "e1000"])
        #expect(try xml.values("/domain/os/boot/@dev") == ["cdrom", "hd"])
        #expect(try xml.value("/domain/cpu/topology/@sockets") == "2")
        #expect(try xml.value("/domain/devices/graphics/@passwd") == "p@ss<word>")
        let zstack = "/domain/metadata/*[local-name()='zstack' and namespace-uri()='\(DomainXMLBuilder.metadataNamespace)']"
        #expect(try xml.value("\(zstack)/internalId") == "42")
        #expect(try xml.value("\(zstack)/hostManagementIp") == "172.20.0.11")
        #expect(try xml.values("\(zstack)/volume/@uuid")
            == ["8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c", "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"])
        #expect(try xml.values("\(zstack)/nic/@uuid")
            == ["6c0a1d2b3c4d5e6f7a8b9c0d1e2f3a4b", "7d1b2e3c4d5e6f7a8b9c0d1e2f3a4b5c"])

        try await domain.start()
        #expect(try await domain.state().state == .running)
        try await domain.destroy()
        try await domain.undefine()
        await connection.close()
    }

    @Test("each builder variant is accepted by libvirt", arguments: ["virtio", "ide", "cdrom", "block"])
    func variants(variant: String) async throws {
        var command = StartVmFixtures.minimal(name: "xml-\(variant)-\(UUID().uuidString.prefix(8))",
                                              virtio: variant != "ide")
        switch variant {
        case "cdrom":
            var iso = KVM.CdRomTO()
            iso.path = "/iso/a.iso"
            command.cdRoms = [iso]
            command.bootDev = ["cdrom", "hd"]
        case "block":
            var block = StartVmFixtures.volume("/dev/sdz", deviceId: 1, uuid: "blk")
            block.deviceType = "block"
            block.format = nil
            command.dataVolumes = [block]
        default: break
        }
        let connection = try await LibvirtConnection.open(uri: "test:///default")
        let domain = try await connection.defineDomain(xml: try builder.build(command), validate: true)
        #expect(try await domain.info().virtualCPUs == 2)
        try await domain.undefine()
        await connection.close()
    }
}
