import AgentWire
import Libvirt

/// What the MN learns about a running VM's devices: where each one sits, and which virtualizer runs it.
extension VMService {
    /// The reply of `/vm/start` and `/sync/vm/deviceinfo`, read from the live domain, with the version of
    /// the qemu that runs it (`Virtualizer`).
    func devicesInfo(_ domain: LibvirtDomain) async throws -> KVM.VmDevicesInfoResponse {
        var reply = try await liveDevices(domain).devicesInfo()
        reply.virtualizerInfo = try await virtualizer.vm(uuid: domain.name)
        return reply
    }

    func liveDevices(_ domain: LibvirtDomain) async throws -> LiveDevices {
        try LiveDevices(xml: try await domain.xml(secure: false))
    }

    /// `/sync/vm/deviceinfo`.
    public func syncDeviceInfo(_ command: KVM.SyncVmDeviceInfoCmd) async throws -> KVM.VmDevicesInfoResponse {
        try await withDomain(try Self.required(command.vmInstanceUuid, "vmInstanceUuid")) { try await devicesInfo($0) }
    }

    /// `/vm/getdeviceaddress`: the guest-visible address of each volume asked for: its WWN when it has one,
    /// its PCI address (`0000:00:05.0`) on virtio, otherwise its bus and `unknown`, as the Python agent
    /// answers. Other resource types have no addresses (an empty list, as in Python).
    public func deviceAddresses(_ command: KVM.GetVmDeviceAddressCmd) async throws -> KVM.GetVmDeviceAddressRsp {
        let uuid = try Self.required(command.uuid, "uuid")
        let volumes = try command.volumes()
        let live = try await withDomain(uuid) { try await liveDevices($0) }
        var addresses = Dictionary(uniqueKeysWithValues: (command.deviceTOs ?? [:]).keys.map { ($0, [KVM.VmDeviceAddressTO]()) })
        if command.deviceTOs?["VolumeVO"] != nil {
            addresses["VolumeVO"] = try volumes.map { volume in
                guard let disk = live.disks.first(where: { disk in
                    disk.serial != nil && disk.serial == volume.volumeUuid || disk.source != nil && disk.source == volume.installPath
                }) else {
                    throw KVMAgentError(.vm, "volume \(volume.volumeUuid ?? volume.installPath ?? "?") is not attached to vm \(uuid)")
                }
                return Self.guestAddress(of: disk, volumeUuid: volume.volumeUuid)
            }
        }
        return KVM.GetVmDeviceAddressRsp(addresses: addresses)
    }

    static func guestAddress(of disk: LiveDevices.Disk, volumeUuid: String?) -> KVM.VmDeviceAddressTO {
        if let wwn = disk.wwn { return KVM.VmDeviceAddressTO(addressType: "wwn", address: wwn, deviceType: "disk", uuid: volumeUuid) }
        let address = disk.address
        if address.type == "pci", let domain = DeviceAddresses.number(address.domain), let bus = DeviceAddresses.number(address.bus),
           let slot = DeviceAddresses.number(address.slot), let function = DeviceAddresses.number(address.function) {
            return KVM.VmDeviceAddressTO(addressType: "pci", address: PCIAddressText(domain, bus, slot, function).description,
                                         deviceType: "disk", uuid: volumeUuid)
        }
        return KVM.VmDeviceAddressTO(addressType: disk.bus, address: "unknown", deviceType: "disk", uuid: volumeUuid)
    }
}

/// `dddd:bb:ss.f` in lower-case hex, as `lspci` and the Python agent's `fmt_pci_address` write it.
struct PCIAddressText: CustomStringConvertible {
    let domain, bus, slot, function: Int

    init(_ domain: Int, _ bus: Int, _ slot: Int, _ function: Int) {
        (self.domain, self.bus, self.slot, self.function) = (domain, bus, slot, function)
    }

    var description: String {
        func hex(_ value: Int, _ width: Int) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(hex(domain, 4)):\(hex(bus, 2)):\(hex(slot, 2)).\(hex(function, 1))"
    }
}
