import AgentWire

/// Where each device of a domain sits: PCI slots on bus 0 and IDE/SATA/SCSI drive positions.
///
/// Why the builder writes them instead of letting libvirt choose: the MN records every address the agent
/// reports (`VirtualPciDeviceKvmExtensionPoint`) and sends it back with the next start, so a guest keeps
/// its PCI topology (and Windows its drivers) across stops, migrations and agent restarts. Writing them
/// makes them deterministic (same command, same slots), makes them exist on libvirt's test driver too
/// (which assigns none), and lets an address the MN sends win over any default.
///
/// q35 machines are the exception for PCI: bus 0 there is a PCIe root complex, where libvirt puts devices
/// behind root ports of its own; the builder leaves those to libvirt and the replies read libvirt's choice
/// back from the live XML.
struct DeviceAddresses {
    /// The memory balloon's slot when the MN has none recorded: where ZStack's Python agent puts it.
    static let memoryBalloonSlot = 0x04
    /// 0x00 host bridge, 0x01 the PIIX3 (IDE, USB), 0x02 the video device libvirt adds for a console.
    private static let reservedSlots: Set<Int> = [0x00, 0x01, 0x02]
    private static let lastSlot = 0x1f

    /// The drive positions of the CD-ROMs with `deviceId` 0, 1, 2 (`hdc`, `hdd`, `hde`), as `(bus, unit)`:
    /// the Python agent's layout, so an ISO attached by `deviceId` finds the same drive on either agent.
    static let cdromPositions: [(ide: (bus: Int, unit: Int), sata: (bus: Int, unit: Int))] = [
        ((0, 1), (0, 1)), ((1, 0), (0, 2)), ((1, 1), (0, 3)),
    ]

    let assignsPCI: Bool
    private var usedSlots = DeviceAddresses.reservedSlots
    private var usedDrives: Set<String> = []

    init(machineType: String?) {
        assignsPCI = !(machineType ?? "").contains("q35")
    }

    /// The slots the running domain already uses, for a device hot-plugged into it.
    init(liveSlots: Set<Int>, machineType: String?) {
        self.init(machineType: machineType)
        usedSlots.formUnion(liveSlots)
    }

    /// Keeps an address the MN recorded, if it is a free, well-formed PCI address on bus 0; nil otherwise
    /// (the device then gets `nextPCI`). All recorded addresses are kept before any is handed out.
    mutating func keep(pci address: KVM.DeviceAddress?) -> KVM.DeviceAddress? {
        guard assignsPCI, let address, address.type == "pci", let slot = Self.number(address.slot),
              slot <= Self.lastSlot, Self.number(address.bus) == 0, Self.number(address.domain) ?? 0 == 0,
              Self.number(address.function) ?? 0 == 0, usedSlots.insert(slot).inserted else { return nil }
        return Self.pci(slot: slot)
    }

    /// `keep`, else `nextPCI`.
    mutating func keepOrNext(pci address: KVM.DeviceAddress?, what: String) throws(KVMAgentError) -> KVM.DeviceAddress? {
        if let kept = keep(pci: address) { return kept }
        return try nextPCI(what: what)
    }

    /// The lowest free slot on bus 0; nil where libvirt assigns (q35).
    mutating func nextPCI(what: String) throws(KVMAgentError) -> KVM.DeviceAddress? {
        guard assignsPCI else { return nil }
        guard let slot = (0...Self.lastSlot).first(where: { !usedSlots.contains($0) }) else {
            throw KVMAgentError(.domainXML, "\(what): no free PCI slot left on bus 0 (\(Self.lastSlot + 1) slots)")
        }
        usedSlots.insert(slot)
        return Self.pci(slot: slot)
    }

    /// A drive position, once: two devices on one position would make libvirt refuse the domain.
    mutating func drive(controller: Int = 0, bus: Int, target: Int = 0, unit: Int,
                        what: String) throws(KVMAgentError) -> KVM.DeviceAddress {
        guard usedDrives.insert("\(controller):\(bus):\(target):\(unit)").inserted else {
            throw KVMAgentError(.domainXML, "\(what): drive position bus \(bus) unit \(unit) is taken")
        }
        var address = KVM.DeviceAddress()
        address.type = "drive"
        address.controller = String(controller)
        address.bus = String(bus)
        address.target = String(target)
        address.unit = String(unit)
        return address
    }

    static func pci(slot: Int) -> KVM.DeviceAddress {
        var address = KVM.DeviceAddress()
        address.type = "pci"
        address.domain = "0x0000"
        address.bus = "0x00"
        address.slot = "0x" + (slot < 0x10 ? "0" : "") + String(slot, radix: 16)
        address.function = "0x0"
        return address
    }

    /// A number as libvirt writes it (`0x1f`) or as a decimal.
    static func number(_ text: String?) -> Int? {
        guard let text else { return nil }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text)
    }

    /// Writes `<address .../>` with libvirt's attribute names; nothing for nil.
    static func write(_ address: KVM.DeviceAddress?, into xml: inout XMLWriter) {
        guard let address else { return }
        xml.empty("address", ["type": address.type, "domain": address.domain, "controller": address.controller,
                              "bus": address.bus, "target": address.target, "slot": address.slot,
                              "unit": address.unit, "function": address.function])
    }
}
