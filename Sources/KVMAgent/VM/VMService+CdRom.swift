import AgentWire
import HostSystem
import Libvirt

/// ISOs in a running VM's CD-ROM drives. The drives themselves exist from `/vm/start` on (`hdc`, `hdd`,
/// `hde`, empty or not); attaching and detaching an ISO changes the medium, as on the Python agent.
extension VMService {
    /// `/vm/iso/attach`: inserts the ISO into drive `iso.deviceId`.
    public func attachISO(_ command: KVM.AttachIsoCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        guard let iso = command.iso else { throw KVMAgentError(.vm, "iso is missing") }
        let path = try Self.required(iso.path?.trimmingWhitespace(), "iso.path")
        try volumePaths.check(path, "iso \(iso.imageUuid ?? "?")")
        try await withDomain(uuid) { domain in
            let xml = try DeviceXML.cdrom(deviceId: iso.deviceId ?? 0, source: path, in: try await liveDevices(domain))
            try await changeDevice(domain, "attach iso \(iso.imageUuid ?? path)") { try await $0.updateDevice(xml: xml, .live) }
        }
        return EmptyReply()
    }

    /// `/vm/iso/detach`: ejects drive `deviceId`, even if the guest locked the tray. A VM without CD-ROM
    /// drives has nothing to eject (Python answers success too).
    public func detachISO(_ command: KVM.DetachIsoCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        try await withDomain(uuid) { domain in
            let live = try await liveDevices(domain)
            guard live.disks.contains(where: { $0.device == "cdrom" }) else { return }
            let xml = try DeviceXML.cdrom(deviceId: command.deviceId ?? 0, source: nil, in: live)
            try await changeDevice(domain, "detach iso \(command.isoUuid ?? "")") { try await $0.updateDevice(xml: xml, [.live, .force]) }
        }
        return EmptyReply()
    }
}
