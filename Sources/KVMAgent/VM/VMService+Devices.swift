import AgentWire
import HostSystem
import Libvirt

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import XML

/// The commands that look at or change a running VM's devices and size.
extension VMService {
    /// `/vm/getvncport`: the console port libvirt gave the VM (VNC first, as ZStack's agent answers).
    public func vncPort(_ command: KVM.GetVncPortCmd) async throws -> KVM.GetVncPortResponse {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        let xml = try await withDomain(uuid) { try await $0.xml(secure: false) }
        let document = try XMLTree(parsing: xml)
        func port(_ type: String, _ attribute: String = "port") throws -> Int? {
            try document.nodes("/domain/devices/graphics[@type='\(type)']/@\(attribute)")
                .first.flatMap { $0.stringValue.flatMap(Int.init) }.flatMap { $0 > 0 ? $0 : nil }
        }
        var reply = KVM.GetVncPortResponse()
        reply.vncPort = try port("vnc")
        reply.spicePort = try port("spice")
        reply.spiceTlsPort = try port("spice", "tlsPort")
        guard let console = reply.vncPort.map({ ($0, "vnc") }) ?? reply.spicePort.map({ ($0, "spice") }) else {
            throw KVMAgentError(.vm, "vm \(uuid) has no VNC or SPICE port (no console, or the driver assigns none)")
        }
        (reply.port, reply.protocol) = console
        return reply
    }

    /// `/vm/attachdatavolume`: hot-plugs the volume, written as `/vm/start` writes data volumes, at the address
    /// the MN recorded for it if that slot is free, else the lowest free one; answers where it now sits.
    public func attachVolume(_ command: KVM.AttachDataVolumeCmd) async throws -> KVM.VirtualDeviceInfoResponse {
        let uuid = try Self.required(command.vmInstanceUuid, "vmInstanceUuid")
        guard let volume = command.volume else { throw KVMAgentError(.vm, "volume is missing") }
        try volumePaths.check(volume.installPath, "volume \(volume.volumeUuid ?? "?")")
        return try await withDomain(uuid) { domain in
            let live = try await liveDevices(domain)
            var addresses = DeviceAddresses(liveSlots: live.usedSlots, machineType: live.machineType)
            let disk = try DeviceXML.disk(volume, placing: &addresses)
            try await changeDevice(domain, "attach volume \(volume.volumeUuid ?? "?")") { try await $0.attachDevice(xml: disk.xml, [.live, .config]) }
            guard let attached = try await liveDevices(domain).disk(target: disk.target) else {
                throw KVMAgentError(.vm, "volume \(volume.volumeUuid ?? "?") was attached to vm \(uuid) but its disk \(disk.target) is not in the domain")
            }
            return KVM.VirtualDeviceInfoResponse(virtualDeviceInfoList: [
                KVM.VirtualDeviceInfo(resourceUuid: volume.volumeUuid, deviceAddress: attached.address)])
        }
    }

    /// `/vm/detachdatavolume`: libvirt finds the disk by the target name its `deviceId` gives.
    public func detachVolume(_ command: KVM.DetachDataVolumeCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmInstanceUuid, "vmInstanceUuid")
        guard let volume = command.volume else { throw KVMAgentError(.vm, "volume is missing") }
        let xml = try DeviceXML.disk(volume)
        try await withDomain(uuid) { domain in
            try await changeDevice(domain, "detach volume \(volume.volumeUuid ?? "?")") { try await $0.detachDevice(xml: xml, [.live, .config]) }
        }
        return EmptyReply()
    }

    /// `/vm/attachnic`: as `/vm/attachdatavolume`, for an interface; answers its PCI address.
    public func attachNIC(_ command: KVM.AttachNicCommand) async throws -> KVM.VirtualDeviceInfoResponse {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        guard let nic = command.nic else { throw KVMAgentError(.vm, "nic is missing") }
        return try await withDomain(uuid) { domain in
            let live = try await liveDevices(domain)
            var addresses = DeviceAddresses(liveSlots: live.usedSlots, machineType: live.machineType)
            let xml = try DeviceXML.interface(nic, placing: &addresses)
            try await changeDevice(domain, "attach nic \(nic.mac ?? "?")") { try await $0.attachDevice(xml: xml, [.live, .config]) }
            guard let attached = try await liveDevices(domain).interface(mac: nic.mac ?? "") else {
                throw KVMAgentError(.vm, "nic \(nic.mac ?? "?") was attached to vm \(uuid) but is not in the domain")
            }
            return KVM.VirtualDeviceInfoResponse(virtualDeviceInfoList: [
                KVM.VirtualDeviceInfo(resourceUuid: nic.uuid, deviceAddress: LiveDevices.pciOnly(attached.address))])
        }
    }

    /// `/vm/detachnic`: libvirt finds the interface by its MAC.
    public func detachNIC(_ command: KVM.DetachNicCommand) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        guard let nic = command.nic else { throw KVMAgentError(.vm, "nic is missing") }
        let xml = try DeviceXML.interface(nic)
        try await withDomain(uuid) { domain in
            try await changeDevice(domain, "detach nic \(nic.mac ?? "?")") { try await $0.detachDevice(xml: xml, [.live, .config]) }
        }
        return EmptyReply()
    }

    /// `/vm/updatenic`: rewrites each NIC (bridge, model, MTU) on the running VM; libvirt matches it by MAC.
    public func updateNICs(_ command: KVM.UpdateNicCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmInstanceUuid, "vmInstanceUuid")
        let updates = try (command.nics ?? []).map { nic throws(KVMAgentError) in (nic.mac ?? "?", try DeviceXML.interface(nic)) }
        try await withDomain(uuid) { domain in
            for (mac, xml) in updates {
                try await changeDevice(domain, "update nic \(mac)") { try await $0.updateDevice(xml: xml, .live) }
            }
        }
        return EmptyReply()
    }

    /// `/vm/changenicstate`: link up (`enable`) or down (`disable`), as `virsh domif-setlink`, which the Python
    /// agent runs: the live interface with its `<link state>` changed. A VM that is not here has nothing to
    /// change (Python answers success too).
    public func changeNICState(_ command: KVM.ChangeVmNicStateCommand) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        let link: String
        switch command.state {
        case "enable": link = "up"
        case "disable": link = "down"
        case let other: throw KVMAgentError(.vm, "state '\(other ?? "")' is not enable or disable")
        }
        guard let mac = command.nic?.mac.flatMap(NetworkNames.canonicalMAC) else {
            throw KVMAgentError(.vm, "nic.mac '\(command.nic?.mac ?? "")' is not a MAC address")
        }
        guard let domain = try await connection.domain(named: uuid) else { return EmptyReply() }
        defer { domain.close() }
        guard let interface = try await liveDevices(domain).interface(mac: mac) else {
            throw KVMAgentError(.vm, "vm \(uuid) has no nic \(mac)")
        }
        let xml = try interface.withLinkState(link)
        try await changeDevice(domain, "set the link of nic \(mac) \(link)") { try await $0.updateDevice(xml: xml, .live) }
        return EmptyReply()
    }

    /// `/vm/online/changecpumem`: sets live vCPUs and memory (bytes), each within the maximum the VM was
    /// started with, and answers what libvirt then reports.
    public func changeCPUMemory(_ command: KVM.ChangeCpuMemoryCmd) async throws -> KVM.ChangeCpuMemoryResponse {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        if let cpus = command.cpuNum, cpus <= 0 { throw KVMAgentError(.vm, "cpuNum must be positive, got \(cpus)") }
        if let memory = command.memorySize, memory < 1024 { throw KVMAgentError(.vm, "memorySize must be at least 1024 bytes, got \(memory)") }
        return try await withDomain(uuid) { domain in
            do {
                if let cpus = command.cpuNum { try await domain.setVirtualCPUs(cpus) }
                if let memory = command.memorySize { try await domain.setMemory(kib: UInt64(memory / 1024)) }
            } catch let error as LibvirtError {
                throw KVMAgentError(.vm, "cannot change cpu/memory of vm \(uuid) online: \(error.message)")
            }
            let info = try await domain.info()
            return KVM.ChangeCpuMemoryResponse(cpuNum: info.virtualCPUs, memorySize: Int64(info.memoryKiB) * 1024)
        }
    }

    /// Runs a device change on a VM, turning libvirt's "not supported" into words that name the driver.
    func changeDevice(_ domain: LibvirtDomain, _ what: String,
                      _ call: (LibvirtDomain) async throws -> Void) async throws {
        do {
            try await call(domain)
        } catch let error as LibvirtError where error.code == .noSupport || error.code == .operationUnsupported {
            throw KVMAgentError(.vm, "cannot \(what) on vm \(domain.name): the libvirt driver \(connection.uri) does not support it (\(error.message))")
        } catch let error as LibvirtError {
            throw KVMAgentError(.vm, "cannot \(what) on vm \(domain.name): \(error.message)")
        }
    }
}
