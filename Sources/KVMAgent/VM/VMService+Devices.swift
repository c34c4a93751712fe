import AgentWire
import Libvirt

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The commands that look at or change a running VM's devices and size.
extension VMService {
    /// `/vm/getvncport`: the console port libvirt gave the VM (VNC first, as ZStack's agent answers).
    public func vncPort(_ command: KVM.GetVncPortCmd) async throws -> KVM.GetVncPortResponse {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        let xml = try await withDomain(uuid) { try await $0.xml(secure: false) }
        let document = try XMLDocument(xmlString: xml, options: [])
        func port(_ type: String, _ attribute: String = "port") throws -> Int? {
            try document.nodes(forXPath: "/domain/devices/graphics[@type='\(type)']/@\(attribute)")
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

    /// `/vm/attachdatavolume`: hot-plugs the volume, written as `/vm/start` writes data volumes.
    public func attachVolume(_ command: KVM.AttachDataVolumeCmd) async throws -> KVM.VirtualDeviceInfoResponse {
        let uuid = try Self.required(command.vmInstanceUuid, "vmInstanceUuid")
        guard let volume = command.volume else { throw KVMAgentError(.vm, "volume is missing") }
        let xml = try DeviceXML.disk(volume)
        try volumePaths.check(volume.installPath, "volume \(volume.volumeUuid ?? "?")")
        try await hotPlug(uuid, "attach volume \(volume.volumeUuid ?? "?")") { try await $0.attachDevice(xml: xml, $1) }
        return KVM.VirtualDeviceInfoResponse(virtualDeviceInfoList: [KVM.VirtualDeviceInfo(resourceUuid: volume.volumeUuid)])
    }

    /// `/vm/detachdatavolume`: libvirt finds the disk by the target name its `deviceId` gives.
    public func detachVolume(_ command: KVM.DetachDataVolumeCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmInstanceUuid, "vmInstanceUuid")
        guard let volume = command.volume else { throw KVMAgentError(.vm, "volume is missing") }
        let xml = try DeviceXML.disk(volume)
        try await hotPlug(uuid, "detach volume \(volume.volumeUuid ?? "?")") { try await $0.detachDevice(xml: xml, $1) }
        return EmptyReply()
    }

    /// `/vm/attachnic`.
    public func attachNIC(_ command: KVM.AttachNicCommand) async throws -> KVM.VirtualDeviceInfoResponse {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        guard let nic = command.nic else { throw KVMAgentError(.vm, "nic is missing") }
        let xml = try DeviceXML.interface(nic)
        try await hotPlug(uuid, "attach nic \(nic.mac ?? "?")") { try await $0.attachDevice(xml: xml, $1) }
        return KVM.VirtualDeviceInfoResponse(virtualDeviceInfoList: [KVM.VirtualDeviceInfo(resourceUuid: nic.uuid)])
    }

    /// `/vm/detachnic`: libvirt finds the interface by its MAC.
    public func detachNIC(_ command: KVM.DetachNicCommand) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        guard let nic = command.nic else { throw KVMAgentError(.vm, "nic is missing") }
        let xml = try DeviceXML.interface(nic)
        try await hotPlug(uuid, "detach nic \(nic.mac ?? "?")") { try await $0.detachDevice(xml: xml, $1) }
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

    /// Runs a hot-plug call on the running VM, live and in its definition, turning "not supported" into words.
    private func hotPlug(_ uuid: String, _ what: String,
                         _ call: @escaping @Sendable (LibvirtDomain, DomainModification) async throws -> Void) async throws {
        try await withDomain(uuid) { domain in
            do {
                try await call(domain, [.live, .config])
            } catch let error as LibvirtError where error.code == .noSupport || error.code == .operationUnsupported {
                throw KVMAgentError(.vm, "cannot \(what) on vm \(uuid): the libvirt driver \(connection.uri) does not support hot-plug (\(error.message))")
            } catch let error as LibvirtError {
                throw KVMAgentError(.vm, "cannot \(what) on vm \(uuid): \(error.message)")
            }
        }
    }
}
