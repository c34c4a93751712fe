import AgentWire

/// The XML of one device for hot-plug and hot-unplug, written exactly as `DomainXMLBuilder` writes it in a
/// whole domain, so a device attached later looks like one present at start.
public enum DeviceXML {
    /// A data volume's `<disk>`; its target name follows its `deviceId` as at start (`vdb` for 1).
    /// - Throws: `KVMAgentError` naming the field that cannot describe a disk.
    public static func disk(_ volume: KVM.VolumeTO) throws(KVMAgentError) -> String {
        var devices = DomainDevices()
        var names = DiskTargetNames()
        let disk = try devices.disk(volume, isRoot: false, names: &names)
        var writer = XMLWriter()
        try DomainDevices.write(disk, into: &writer)
        return writer.output
    }

    /// A NIC's `<interface>`.
    /// - Throws: `KVMAgentError` for a malformed MAC, tap name or bridge.
    public static func interface(_ nic: KVM.NicTO) throws(KVMAgentError) -> String {
        var writer = XMLWriter()
        try DomainDevices.write(try DomainDevices.nic(nic, 0), into: &writer)
        return writer.output
    }
}

extension DomainDevices {
    /// No devices yet: the starting point for a single hot-plugged one.
    init() {}
}
