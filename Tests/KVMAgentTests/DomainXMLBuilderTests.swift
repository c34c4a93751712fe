import AgentWire
import Foundation
import KVMAgent
import Testing

@Suite("Domain XML builder")
struct DomainXMLBuilderTests {
    let builder = DomainXMLBuilder(domainType: "kvm", emulator: "/usr/libexec/qemu-kvm")

    @Test("features the agent cannot build are refused by name; their off values, as the MN sends them, pass")
    func unsupportedFeatures() throws {
        let zstack5 = try WireJSON.decode(KVM.StartVmCmd.self, from: Array(StartVmFixtures.zstack5JSON(uuid: "vm-off").utf8))
        _ = try builder.build(zstack5)
        var uefi = StartVmFixtures.minimal(name: "vm-uefi")
        uefi.bootMode = "UEFI"
        uefi.secureBoot = true
        uefi.MemAccess = "shared"
        let error = #expect(throws: KVMAgentError.self) { try builder.build(uefi) }
        #expect(error?.description.contains("bootMode UEFI (only Legacy BIOS boot), secureBoot, MemAccess shared (shared guest memory)") == true,
                "\(error.map { "\($0)" } ?? "")")
    }

    @Test("virtio VM: name, sizes, vd* disks on virtio, virtio NIC with tap, vnc, metadata")
    func virtio() throws {
        let xml = try XMLQuery(builder.build(StartVmFixtures.minimal(name: "vm-virtio")))
        #expect(try xml.value("/domain/@type") == "kvm")
        #expect(try xml.value("/domain/name") == "vm-virtio")
        #expect(try xml.value("/domain/description") == "vm vm-virtio")
        #expect(try xml.value("/domain/memory[@unit='KiB']") == "524288")
        #expect(try xml.value("/domain/vcpu") == "2")
        #expect(try xml.value("/domain/devices/emulator") == "/usr/libexec/qemu-kvm")
        #expect(try xml.value("/domain/devices/disk/target/@dev") == "vda")
        #expect(try xml.value("/domain/devices/disk/target/@bus") == "virtio")
        #expect(try xml.value("/domain/devices/disk/driver/@type") == "qcow2")
        #expect(try xml.value("/domain/devices/disk/driver/@cache") == "none")
        #expect(try xml.value("/domain/devices/disk/source/@file") == "/var/lib/zstack/root-vm-virtio.qcow2")
        #expect(try xml.value("/domain/devices/interface/model/@type") == "virtio")
        #expect(try xml.value("/domain/devices/interface/target/@dev") == "vnic12.0")
        #expect(try xml.value("/domain/devices/interface/source/@bridge") == "br_eth0")
        #expect(try xml.value("/domain/devices/graphics/@type") == "vnc")
        #expect(try xml.value("/domain/metadata/*[local-name()='zstack']/internalId") == "12")
        #expect(try xml.value("/domain/metadata/*[local-name()='zstack']/hostManagementIp") == "10.0.0.5")
        #expect(try xml.value("/domain/metadata/*[local-name()='zstack']/volume/@uuid") == "root-uuid")
        #expect(try xml.value("/domain/metadata/*[local-name()='zstack']/nic/@internalName") == "vnic12.0")
        #expect(try builder.build(StartVmFixtures.minimal(name: "vm-virtio")).contains(#"xmlns:zs="http://zstack.org""#))
    }

    @Test("non-virtio VM: hd* disks on IDE, e1000 NIC; virtio-scsi volumes get sd* and a controller")
    func nonVirtio() throws {
        var command = StartVmFixtures.minimal(name: "vm-ide", virtio: false)
        var scsi = StartVmFixtures.volume("/data/2.qcow2", deviceId: 2, virtio: false, uuid: "scsi")
        scsi.useVirtioSCSI = true
        command.dataVolumes = [scsi, StartVmFixtures.volume("/data/1.qcow2", deviceId: 1, virtio: false, uuid: "ide")]
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.values("/domain/devices/disk/target/@dev") == ["hda", "hdb", "sdc"])
        #expect(try xml.values("/domain/devices/disk/target/@bus") == ["ide", "ide", "scsi"])
        #expect(try xml.value("/domain/devices/controller[@type='scsi']/@model") == "virtio-scsi")
        #expect(try xml.value("/domain/devices/interface/model/@type") == "e1000")
    }

    @Test("cdrom boot: boot order follows bootDev, CD-ROMs are hdc, hdd by their place, empty drives have no source")
    func cdromBoot() throws {
        var command = StartVmFixtures.minimal(name: "vm-iso")
        command.bootDev = ["cdrom", "hd"]
        var iso = KVM.CdRomTO()
        iso.path = "/iso/install.iso"
        var empty = KVM.CdRomTO()
        empty.isEmpty = true
        command.cdRoms = [iso, empty]
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.values("/domain/os/boot/@dev") == ["cdrom", "hd"])
        #expect(try xml.values("/domain/devices/disk[@device='cdrom']/target/@dev") == ["hdc", "hdd"])
        #expect(try xml.values("/domain/devices/disk[@device='cdrom']/source/@file") == ["/iso/install.iso"])
        #expect(try xml.values("/domain/devices/disk[@device='cdrom']/readonly").count == 2)
    }

    @Test("vlan bridge and MTU are carried to the interface")
    func vlanBridge() throws {
        var command = StartVmFixtures.minimal(name: "vm-vlan")
        command.nics?[0].bridgeName = "br_eth0_100"
        command.nics?[0].vlanId = "100"
        command.nics?[0].mtu = 9000
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.value("/domain/devices/interface[@type='bridge']/source/@bridge") == "br_eth0_100")
        #expect(try xml.value("/domain/devices/interface/mtu/@size") == "9000")
    }

    @Test("block volume: type block, source dev, raw by default")
    func blockVolume() throws {
        var command = StartVmFixtures.minimal(name: "vm-block")
        var block = KVM.VolumeTO()
        block.installPath = "/dev/vg0/lv1"
        block.deviceType = "block"
        block.deviceId = 1
        block.useVirtio = true
        block.cacheMode = "writethrough"
        command.dataVolumes = [block]
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.value("/domain/devices/disk[@type='block']/source/@dev") == "/dev/vg0/lv1")
        #expect(try xml.value("/domain/devices/disk[@type='block']/driver/@type") == "raw")
        #expect(try xml.value("/domain/devices/disk[@type='block']/driver/@cache") == "writethrough")
        #expect(try xml.value("/domain/devices/disk[@type='block']/target/@dev") == "vdb")
    }

    @Test("hostile strings stay data: the XML parses and gives back exactly what was sent")
    func hostileStrings() throws {
        var command = StartVmFixtures.minimal(name: "vm-hostile")
        let name = #"</description><evil attr="x">&amp; 'quoted' "double" ]]> <!-- \#u{7}"#
        command.vmName = name
        command.rootVolume?.installPath = #"/var/lib/a"b'<c>&d.qcow2"#
        command.consolePassword = #"p"w'<>&"#
        command.hostManagementIp = "<ip/>"
        let text = try builder.build(command)
        let xml = try XMLQuery(text)
        #expect(try xml.value("/domain/description") == name.replacingOccurrences(of: "\u{7}", with: "\u{FFFD}"))
        #expect(try xml.value("/domain/devices/disk/source/@file") == #"/var/lib/a"b'<c>&d.qcow2"#)
        #expect(try xml.value("/domain/devices/graphics/@passwd") == #"p"w'<>&"#)
        #expect(try xml.values("//evil").isEmpty)
        #expect(try xml.value("/domain/metadata/*[local-name()='zstack']/hostManagementIp") == "<ip/>")
    }

    @Test("CPU topology: sockets × cores × threads must match cpuNum")
    func topology() throws {
        var command = StartVmFixtures.minimal(name: "vm-topo")
        command.cpuNum = 8
        command.socketNum = 2
        command.cpuOnSocket = 4
        command.threadsPerCore = 2
        let xml = try XMLQuery(builder.build(command))
        #expect(try xml.value("/domain/cpu/topology/@sockets") == "2")
        #expect(try xml.value("/domain/cpu/topology/@cores") == "2")
        #expect(try xml.value("/domain/cpu/topology/@threads") == "2")
        command.cpuNum = 5
        #expect(throws: KVMAgentError.self) { try builder.build(command) }
    }

    @Test("commands that cannot work are refused with the field named", arguments: [
        ("vmInstanceUuid", { @Sendable (c: inout KVM.StartVmCmd) in c.vmInstanceUuid = nil }),
        ("rootVolume is missing", { @Sendable (c: inout KVM.StartVmCmd) in c.rootVolume = nil }),
        ("installPath", { @Sendable (c: inout KVM.StartVmCmd) in c.rootVolume?.installPath = " " }),
        ("memory", { @Sendable (c: inout KVM.StartVmCmd) in c.memory = 0 }),
        ("cpuNum", { @Sendable (c: inout KVM.StartVmCmd) in c.cpuNum = 0 }),
        ("bootDev", { @Sendable (c: inout KVM.StartVmCmd) in c.bootDev = ["floppy"] }),
        ("mac", { @Sendable (c: inout KVM.StartVmCmd) in c.nics?[0].mac = "52:54:00:zz:00:01" }),
        ("nicInternalName", { @Sendable (c: inout KVM.StartVmCmd) in c.nics?[0].nicInternalName = "a/very/long/tap/name" }),
        ("deviceType", { @Sendable (c: inout KVM.StartVmCmd) in c.rootVolume?.deviceType = "ceph" }),
        ("format", { @Sendable (c: inout KVM.StartVmCmd) in c.rootVolume?.format = "vmdk" }),
        ("cacheMode", { @Sendable (c: inout KVM.StartVmCmd) in c.rootVolume?.cacheMode = "fast" }),
        ("consoleMode", { @Sendable (c: inout KVM.StartVmCmd) in c.consoleMode = "rdp" }),
        ("clock", { @Sendable (c: inout KVM.StartVmCmd) in c.clock = "mars" }),
        ("used twice", { @Sendable (c: inout KVM.StartVmCmd) in
            c.dataVolumes = [StartVmFixtures.volume("/d", deviceId: 0, uuid: "dup")] }),
    ] as [(String, @Sendable (inout KVM.StartVmCmd) -> Void)])
    func rejected(field: String, change: @Sendable (inout KVM.StartVmCmd) -> Void) throws {
        var command = StartVmFixtures.minimal(name: "vm-bad")
        change(&command)
        let error = try #require(throws: KVMAgentError.self) { try builder.build(command) }
        #expect(error.description.contains(field))
    }
}
