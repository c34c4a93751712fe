import AgentWire
import Foundation
import KVMAgent
import Testing

/// The addresses `DomainXMLBuilder` writes: deterministic, the MN's recorded ones kept when they can be,
/// drive positions as the Python agent lays them out, and nothing forced on q35.
@Suite("Device addresses in the domain XML")
struct DeviceAddressesTests {
    let builder = DomainXMLBuilder(domainType: "kvm")

    func pci(_ slot: String) -> KVM.DeviceAddress {
        var address = KVM.DeviceAddress()
        address.type = "pci"
        address.domain = "0x0000"
        address.bus = "0x00"
        address.slot = slot
        address.function = "0x0"
        return address
    }

    @Test("an IDE VM: root hda at bus 0 unit 0, CD-ROMs hdc/hdd/hde where Python puts them, a fifth drive refused")
    func idePositions() throws {
        var command = StartVmFixtures.minimal(name: "vm-ide", virtio: false)
        command.cdRoms = (0..<3).map { index in
            var cdrom = KVM.CdRomTO()
            cdrom.deviceId = index
            cdrom.isEmpty = true
            return cdrom
        }
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.values("/domain/devices/disk/target/@dev") == ["hda", "hdc", "hdd", "hde"])
        #expect(try xml.values("/domain/devices/disk/address/@bus") == ["0", "0", "1", "1"])
        #expect(try xml.values("/domain/devices/disk/address/@unit") == ["0", "1", "0", "1"])

        command.dataVolumes = [StartVmFixtures.volume("/var/lib/zstack/data.qcow2", deviceId: 1, virtio: false, uuid: "data")]
        let error = try #require(throws: KVMAgentError.self) { try builder.build(command) }
        #expect(error.description.contains("the IDE bus is full"))
    }

    @Test("recorded addresses win; a malformed, foreign-bus or doubly used one is replaced by a free slot")
    func recordedAndHostileAddresses() throws {
        var command = StartVmFixtures.minimal(name: "vm-addr")
        command.rootVolume?.deviceAddress = pci("0x1f")
        var second = StartVmFixtures.nic(mac: "52:54:00:aa:bb:02", bridge: "br1", tap: "vnic1.1")
        second.deviceAddress = pci("0x1f")        // taken by the root disk
        var third = StartVmFixtures.nic(mac: "52:54:00:aa:bb:03", bridge: "br1", tap: "vnic1.2")
        third.deviceAddress = pci("0xzz\"/><evil")
        var fourth = StartVmFixtures.nic(mac: "52:54:00:aa:bb:04", bridge: "br1", tap: "vnic1.3")
        fourth.deviceAddress = pci("0x06")
        fourth.deviceAddress?.bus = "0x01"
        command.nics = (command.nics ?? []) + [second, third, fourth]
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.value("/domain/devices/disk/address/@slot") == "0x1f")
        #expect(try xml.value("/domain/devices/memballoon/address/@slot") == "0x04")
        #expect(try xml.values("/domain/devices/interface/address/@slot") == ["0x03", "0x05", "0x06", "0x07"])
        #expect(try xml.values("/domain/devices/*/address/@bus").allSatisfy { $0 == "0x00" })
        #expect(try builder.build(command) == builder.build(command))
    }

    @Test("more devices than bus 0 has slots is refused by name")
    func slotsRunOut() throws {
        var command = StartVmFixtures.minimal(name: "vm-many")
        command.nics = (0..<30).map { index in
            StartVmFixtures.nic(mac: String(format: "52:54:00:aa:bb:%02x", index), bridge: "br1", tap: "vnic1.\(index)")
        }
        let error = try #require(throws: KVMAgentError.self) { try builder.build(command) }
        #expect(error.description.contains("no free PCI slot left on bus 0"))
    }

    @Test("q35: PCI placement is left to libvirt, CD-ROMs are on SATA")
    func q35() throws {
        var command = StartVmFixtures.minimal(name: "vm-q35")
        command.machineType = "pc-q35-6.2"
        var cdrom = KVM.CdRomTO()
        cdrom.deviceId = 0
        command.cdRoms = [cdrom]
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.values("/domain/devices/*/address[@type='pci']").isEmpty)
        #expect(try xml.value("/domain/devices/disk[@device='cdrom']/target/@bus") == "sata")
        #expect(try xml.value("/domain/devices/disk[@device='cdrom']/address/@unit") == "1")
    }
}
