import AgentWire

/// The XML of one device for hot-plug and hot-unplug, written exactly as `DomainXMLBuilder` writes it in a
/// whole domain, so a device attached later looks like one present at start.
public enum DeviceXML {
    /// A data volume's `<disk>`; its target name follows its `deviceId` as at start (`vdb` for 1).
    /// - Throws: `KVMAgentError` naming the field that cannot describe a disk.
    public static func disk(_ volume: KVM.VolumeTO) throws(KVMAgentError) -> String {
        try render(plainDisk(volume))
    }

    /// A NIC's `<interface>`.
    /// - Throws: `KVMAgentError` for a malformed MAC, tap name or bridge.
    public static func interface(_ nic: KVM.NicTO) throws(KVMAgentError) -> String {
        try render(DomainDevices.nic(nic, 0))
    }

    /// A disk to hot-plug, with its address: the one the MN recorded if free, else the next free one.
    static func disk(_ volume: KVM.VolumeTO,
                     placing addresses: inout DeviceAddresses) throws(KVMAgentError) -> (xml: String, target: String) {
        var disk = try plainDisk(volume)
        let what = "volume \(volume.volumeUuid ?? "?")"
        if disk.bus == "virtio" {
            disk.address = try addresses.keepOrNext(pci: volume.deviceAddress, what: what)
        } else if disk.bus == "scsi" {
            disk.address = try addresses.drive(bus: 0, unit: Int((disk.target.last?.asciiValue ?? 97) - 97), what: what)
        }
        return (try render(disk), disk.target)
    }

    /// A NIC to hot-plug, with its address.
    static func interface(_ nic: KVM.NicTO, placing addresses: inout DeviceAddresses) throws(KVMAgentError) -> String {
        var interface = try DomainDevices.nic(nic, 0)
        interface.address = try addresses.keepOrNext(pci: nic.deviceAddress, what: "nic \(interface.mac)")
        return try render(interface)
    }

    /// The CD-ROM drive `deviceId` (`hdc`, `hdd`, `hde`) holding `source`, or empty for nil, at the bus and
    /// address the running domain has for that drive: `updateDevice` changes a medium, never a drive.
    static func cdrom(deviceId: Int, source: String?, in live: LiveDevices) throws(KVMAgentError) -> String {
        var names = DiskTargetNames()
        let target = try names.cdrom(deviceId: deviceId, what: "iso")
        guard let drive = live.disk(target: target), drive.device == "cdrom" else {
            throw KVMAgentError(.vm, "the vm has no CD-ROM drive \(target) (deviceId \(deviceId)); it was started without it")
        }
        return try render(DomainDevices.Disk(kind: "file", device: "cdrom", source: source, format: "raw", cache: nil,
                                             io: nil, target: target, bus: drive.bus ?? "ide", serial: nil,
                                             shareable: false, readOnly: true,
                                             address: drive.address.type == nil ? nil : drive.address))
    }

    private static func plainDisk(_ volume: KVM.VolumeTO) throws(KVMAgentError) -> DomainDevices.Disk {
        var devices = DomainDevices()
        var names = DiskTargetNames()
        return try devices.disk(volume, isRoot: false, names: &names)
    }

    private static func render(_ disk: DomainDevices.Disk) throws(KVMAgentError) -> String {
        var writer = XMLWriter()
        try DomainDevices.write(disk, into: &writer)
        return writer.output
    }

    private static func render(_ nic: DomainDevices.NIC) throws(KVMAgentError) -> String {
        var writer = XMLWriter()
        try DomainDevices.write(nic, into: &writer)
        return writer.output
    }
}

extension DomainDevices {
    /// No devices yet: the starting point for a single hot-plugged one.
    init() {}
}
