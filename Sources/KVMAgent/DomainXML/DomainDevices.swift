import HostSystem
import AgentWire

/// The `<devices>` of a domain, checked while it is built so `write` cannot fail half-way on bad input.
struct DomainDevices {
    private var disks: [Disk] = []
    private var nics: [NIC] = []
    private var consoles: [String] = []
    private var consolePassword: String?
    private var needsSCSIController = false
    private var scsiControllerAddress: KVM.DeviceAddress?
    private var memoryBalloonAddress: KVM.DeviceAddress?

    struct Disk {
        var kind: String       // file | block
        var device: String     // disk | cdrom
        var source: String?
        var format: String
        var cache: String?
        var io: String?
        var target: String
        var bus: String
        var serial: String?
        var shareable: Bool
        var readOnly: Bool
        /// Where the MN last saw this device (`deviceAddress` of the command), kept when still valid.
        var recorded: KVM.DeviceAddress?
        var address: KVM.DeviceAddress?
    }

    struct NIC {
        var mac: String
        var bridge: String
        var tap: String?
        var model: String
        var mtu: Int?
        var recorded: KVM.DeviceAddress?
        var address: KVM.DeviceAddress?
    }

    init(_ command: KVM.StartVmCmd) throws(KVMAgentError) {
        guard let root = command.rootVolume else { throw KVMAgentError(.domainXML, "rootVolume is missing") }
        var names = DiskTargetNames()
        let volumes = [root] + (command.dataVolumes ?? []).sorted { ($0.deviceId ?? 0) < ($1.deviceId ?? 0) }
        for (index, volume) in volumes.enumerated() {
            disks.append(try disk(volume, isRoot: index == 0, names: &names))
        }
        let cdromBus = (command.machineType ?? "").contains("q35") ? "sata" : "ide"
        for (index, cdrom) in (command.cdRoms ?? []).enumerated() {
            let what = "cdRoms[\(index)]"
            let path = cdrom.isEmpty == true ? nil : cdrom.path?.trimmingWhitespace()
            disks.append(Disk(kind: "file", device: "cdrom", source: path?.isEmpty == false ? path : nil,
                              format: "raw", cache: nil, io: nil,
                              target: try names.cdrom(deviceId: cdrom.deviceId ?? index, what: what), bus: cdromBus,
                              serial: nil, shareable: false, readOnly: true, recorded: cdrom.deviceAddress))
        }
        nics = try (command.nics ?? []).enumerated().map { index, nic throws(KVMAgentError) in try Self.nic(nic, index) }
        switch command.consoleMode ?? "vnc" {
        case "vnc": consoles = ["vnc"]
        case "spice": consoles = ["spice"]
        case "vncAndSpice": consoles = ["vnc", "spice"]
        case "none": consoles = []
        case let other: throw KVMAgentError(.domainXML, "consoleMode '\(other)' is not vnc, spice or vncAndSpice")
        }
        consolePassword = command.consolePassword.flatMap { $0.isEmpty ? nil : $0 }
        var addresses = DeviceAddresses(machineType: command.machineType)
        try assignAddresses(&addresses, memoryBalloon: command.memBalloon?.deviceAddress)
    }

    /// PCI slots first for every address the MN recorded, then the lowest free ones for the rest (devices
    /// in a fixed order: balloon, disks, NICs, SCSI controller); then drive positions.
    private mutating func assignAddresses(_ addresses: inout DeviceAddresses,
                                          memoryBalloon recorded: KVM.DeviceAddress?) throws(KVMAgentError) {
        memoryBalloonAddress = addresses.keep(pci: recorded)
        for index in disks.indices where disks[index].bus == "virtio" {
            disks[index].address = addresses.keep(pci: disks[index].recorded)
        }
        for index in nics.indices { nics[index].address = addresses.keep(pci: nics[index].recorded) }
        if memoryBalloonAddress == nil {
            memoryBalloonAddress = try addresses.keepOrNext(pci: DeviceAddresses.pci(slot: DeviceAddresses.memoryBalloonSlot),
                                                            what: "memballoon")
        }
        for index in disks.indices where disks[index].bus == "virtio" && disks[index].address == nil {
            disks[index].address = try addresses.nextPCI(what: "disk \(disks[index].target)")
        }
        for index in nics.indices where nics[index].address == nil {
            nics[index].address = try addresses.nextPCI(what: "nic \(nics[index].mac)")
        }
        if needsSCSIController { scsiControllerAddress = try addresses.nextPCI(what: "the SCSI controller") }
        try assignDrivePositions(&addresses)
    }

    /// CD-ROMs at the Python agent's positions for their names, SCSI disks at the unit of their `deviceId`,
    /// IDE disks (the root `hda` first) at the first free IDE position.
    private mutating func assignDrivePositions(_ addresses: inout DeviceAddresses) throws(KVMAgentError) {
        for index in disks.indices where disks[index].device == "cdrom" {
            let deviceId = DiskTargetNames.cdromLetters.firstIndex(of: disks[index].target.last ?? "c") ?? 0
            let position = DeviceAddresses.cdromPositions[deviceId]
            let (bus, unit) = disks[index].bus == "sata" ? position.sata : position.ide
            disks[index].address = try addresses.drive(bus: bus, unit: unit, what: "CD-ROM \(disks[index].target)")
        }
        for index in disks.indices where disks[index].device == "disk" && disks[index].bus != "virtio" {
            let what = "disk \(disks[index].target)"
            if disks[index].bus == "scsi" {
                let unit = Int((disks[index].target.last?.asciiValue ?? 97) - 97)
                disks[index].address = try addresses.drive(bus: 0, unit: unit, what: what)
            } else {
                disks[index].address = try Self.firstFreeIDEPosition(&addresses, what: what)
            }
        }
    }

    private static func firstFreeIDEPosition(_ addresses: inout DeviceAddresses,
                                             what: String) throws(KVMAgentError) -> KVM.DeviceAddress {
        for (bus, unit) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            if let address = try? addresses.drive(bus: bus, unit: unit, what: what) { return address }
        }
        throw KVMAgentError(.domainXML, "\(what): the IDE bus is full (four drives, CD-ROMs included)")
    }

    mutating func disk(_ volume: KVM.VolumeTO, isRoot: Bool, names: inout DiskTargetNames) throws(KVMAgentError) -> Disk {
        let what = isRoot ? "rootVolume" : "data volume \(volume.volumeUuid ?? "?")"
        guard let path = volume.installPath?.trimmingWhitespace(), !path.isEmpty else {
            throw KVMAgentError(.domainXML, "\(what): installPath is missing")
        }
        let kind = volume.deviceType ?? "file"
        guard kind == "file" || kind == "block" else {
            throw KVMAgentError(.domainXML, "\(what): deviceType '\(kind)' is not supported (file or block)")
        }
        let format = volume.format ?? (kind == "block" ? "raw" : "qcow2")
        guard format == "qcow2" || format == "raw" else {
            throw KVMAgentError(.domainXML, "\(what): format '\(format)' is not qcow2 or raw")
        }
        let cache = volume.cacheMode ?? "none"
        guard ["none", "writethrough", "writeback", "directsync", "unsafe"].contains(cache) else {
            throw KVMAgentError(.domainXML, "\(what): cacheMode '\(cache)' is not none, writethrough or writeback")
        }
        let (prefix, bus) = volume.useVirtio == true ? ("vd", "virtio")
            : volume.useVirtioSCSI == true ? ("sd", "scsi") : ("hd", "ide")
        needsSCSIController = needsSCSIController || bus == "scsi"
        let target = try names.volume(prefix: prefix, deviceId: volume.deviceId ?? (isRoot ? 0 : -1), volume: what)
        return Disk(kind: kind, device: "disk", source: path, format: format, cache: cache,
                    io: volume.aioNative == true && (cache == "none" || cache == "directsync") ? "native" : nil,
                    target: target, bus: bus, serial: volume.volumeUuid, shareable: volume.shareable == true,
                    readOnly: false, recorded: volume.deviceAddress)
    }

    static func nic(_ nic: KVM.NicTO, _ index: Int) throws(KVMAgentError) -> NIC {
        let what = "nics[\(index)]"
        guard let mac = nic.mac.flatMap(NetworkNames.canonicalMAC) else {
            throw KVMAgentError(.domainXML, "\(what): mac '\(nic.mac ?? "")' is not a MAC address like 52:54:00:12:34:56")
        }
        guard let bridge = nic.bridgeName?.trimmingWhitespace(), !bridge.isEmpty else {
            throw KVMAgentError(.domainXML, "\(what): bridgeName is missing")
        }
        if let tap = nic.nicInternalName {
            if let problem = NetworkNames.interfaceNameProblem(tap) {
                throw KVMAgentError(.domainXML, "\(what): nicInternalName '\(tap)' \(problem)")
            }
        }
        let model = nic.driverType ?? (nic.useVirtio == true ? "virtio" : "e1000")
        guard ["virtio", "e1000", "rtl8139"].contains(model) else {
            throw KVMAgentError(.domainXML, "\(what): driverType '\(model)' is not virtio, e1000 or rtl8139")
        }
        return NIC(mac: mac, bridge: bridge, tap: nic.nicInternalName, model: model, mtu: nic.mtu,
                   recorded: nic.deviceAddress)
    }

    /// An IPv4/IPv6 address or DNS name: nothing that could change the meaning of a URI it goes into.
    static func isHostAddress(_ text: String) -> Bool {
        (1...253).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0)) }
    }

    func write(into xml: inout XMLWriter, emulator: String?) throws(KVMAgentError) {
        try xml.element("devices") { devices throws(KVMAgentError) in
            if let emulator { devices.element("emulator", text: emulator) }
            for disk in disks { try Self.write(disk, into: &devices) }
            if needsSCSIController {
                try devices.element("controller", ["type": "scsi", "index": "0", "model": "virtio-scsi"]) { controller throws(KVMAgentError) in
                    DeviceAddresses.write(scsiControllerAddress, into: &controller)
                }
            }
            for nic in nics { try Self.write(nic, into: &devices) }
            try devices.element("memballoon", ["model": "virtio"]) { balloon throws(KVMAgentError) in
                balloon.empty("stats", ["period": "10"])
                DeviceAddresses.write(memoryBalloonAddress, into: &balloon)
            }
            for console in consoles {
                devices.empty("graphics", ["type": console, "autoport": "yes", "listen": "0.0.0.0", "passwd": consolePassword])
            }
        }
    }

    static func write(_ nic: NIC, into xml: inout XMLWriter) throws(KVMAgentError) {
        try xml.element("interface", ["type": "bridge"]) { interface throws(KVMAgentError) in
            interface.empty("mac", ["address": nic.mac])
            interface.empty("source", ["bridge": nic.bridge])
            if let tap = nic.tap { interface.empty("target", ["dev": tap]) }
            interface.empty("model", ["type": nic.model])
            if let mtu = nic.mtu { interface.empty("mtu", ["size": String(mtu)]) }
            DeviceAddresses.write(nic.address, into: &interface)
        }
    }

    static func write(_ disk: Disk, into xml: inout XMLWriter) throws(KVMAgentError) {
        try xml.element("disk", ["type": disk.kind, "device": disk.device]) { element throws(KVMAgentError) in
            element.empty("driver", ["name": "qemu", "type": disk.format, "cache": disk.cache, "io": disk.io])
            if let source = disk.source { element.empty("source", [disk.kind == "block" ? "dev" : "file": source]) }
            element.empty("target", ["dev": disk.target, "bus": disk.bus])
            if let serial = disk.serial { element.element("serial", text: serial) }
            if disk.shareable { element.empty("shareable") }
            if disk.readOnly { element.empty("readonly") }
            DeviceAddresses.write(disk.address, into: &element)
        }
    }
}
