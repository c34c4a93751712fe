import HostSystem
import AgentWire

/// Turns a ZStack `KVM.StartVmCmd` into libvirt domain XML. Pure: no I/O, same input → same output.
///
/// The domain is named after `vmInstanceUuid` (ZStack looks domains up by VM uuid), described by `vmName`,
/// and carries the ZStack identifiers in `<metadata>` under the `http://zstack.org` namespace, with the
/// element names ZStack's Python agent uses (`internalId`, `hostManagementIp`).
public struct DomainXMLBuilder: Sendable {
    /// The namespace of the ZStack `<metadata>` element.
    public static let metadataNamespace = "http://zstack.org"

    /// libvirt's domain type: `kvm` in production, `qemu` without KVM, `test` on the test driver.
    public var domainType: String
    /// The qemu binary for `<emulator>`, or nil to let libvirt choose.
    public var emulator: String?

    public init(domainType: String = "kvm", emulator: String? = nil) {
        self.domainType = domainType
        self.emulator = emulator
    }

    /// Builds the domain XML.
    /// - Throws: `KVMAgentError` naming the field when the command cannot describe a runnable VM (missing
    ///   `vmInstanceUuid`, `rootVolume.installPath`, memory or CPUs; an unknown boot device, disk type,
    ///   format, cache mode or console; a malformed MAC or tap name; an inconsistent CPU topology).
    public func build(_ command: KVM.StartVmCmd) throws(KVMAgentError) -> String {
        guard let name = command.vmInstanceUuid?.trimmingWhitespace(), !name.isEmpty else {
            throw KVMAgentError(.domainXML, "vmInstanceUuid is missing")
        }
        guard !name.contains("/") else { throw KVMAgentError(.domainXML, "vmInstanceUuid '\(name)' contains '/'") }
        guard let memory = command.memory, memory >= 1024 else {
            throw KVMAgentError(.domainXML, "memory must be at least 1024 bytes, got \(command.memory.map(String.init) ?? "nothing")")
        }
        guard let cpus = command.cpuNum, cpus > 0 else {
            throw KVMAgentError(.domainXML, "cpuNum must be positive, got \(command.cpuNum.map(String.init) ?? "nothing")")
        }
        try UnsupportedVMFeatures.check(command)
        let topology = try CPUTopology(command, cpus: cpus)
        let devices = try DomainDevices(command)

        var writer = XMLWriter()
        try writer.element("domain", ["type": domainType]) { xml throws(KVMAgentError) in
            xml.element("name", text: name)
            if let vmName = command.vmName { xml.element("description", text: vmName) }
            try writeMetadata(command, into: &xml)
            xml.element("memory", ["unit": "KiB"], text: String(memory / 1024))
            xml.element("currentMemory", ["unit": "KiB"], text: String(memory / 1024))
            // Online CPU change (`/vm/increase/cpu`) needs room above the vCPUs the VM starts with; with an
            // explicit topology the sockets × cores × threads the MN gave are the maximum.
            let maxCPUs = command.instanceOfferingOnlineChange == true && !topology.isExplicit
                ? max(cpus, command.maxVcpuNum ?? cpus) : cpus
            xml.element("vcpu", ["placement": "static", "current": maxCPUs > cpus ? String(cpus) : nil], text: String(maxCPUs))
            try writeOS(command, into: &xml)
            if command.acpi != false {
                try xml.element("features") { features throws(KVMAgentError) in
                    features.empty("acpi")
                    features.empty("apic")
                }
            }
            try topology.write(into: &xml, cpuMode: command.nestedVirtualization)
            xml.empty("clock", ["offset": try clockOffset(command.clock)])
            xml.element("on_poweroff", text: "destroy")
            xml.element("on_reboot", text: "restart")
            xml.element("on_crash", text: "destroy")
            try devices.write(into: &xml, emulator: emulator)
        }
        return writer.output
    }

    private func writeMetadata(_ command: KVM.StartVmCmd, into xml: inout XMLWriter) throws(KVMAgentError) {
        try xml.element("metadata") { metadata throws(KVMAgentError) in
            try metadata.element("zs:zstack", ["xmlns:zs": Self.metadataNamespace]) { zstack throws(KVMAgentError) in
                if let id = command.vmInternalId { zstack.element("internalId", text: String(id)) }
                if let ip = command.hostManagementIp { zstack.element("hostManagementIp", text: ip) }
                for volume in [command.rootVolume].compactMap({ $0 }) + (command.dataVolumes ?? []) {
                    zstack.empty("volume", ["uuid": volume.volumeUuid, "deviceId": volume.deviceId.map(String.init)])
                }
                for nic in command.nics ?? [] {
                    zstack.empty("nic", ["uuid": nic.uuid, "mac": nic.mac, "internalName": nic.nicInternalName])
                }
            }
        }
    }

    private func writeOS(_ command: KVM.StartVmCmd, into xml: inout XMLWriter) throws(KVMAgentError) {
        let bootDevices = try (command.bootDev ?? ["hd"]).map { device throws(KVMAgentError) -> String in
            guard ["hd", "cdrom", "network"].contains(device) else {
                throw KVMAgentError(.domainXML, "bootDev '\(device)' is not one of hd, cdrom, network")
            }
            return device
        }
        try xml.element("os") { os throws(KVMAgentError) in
            os.element("type", ["arch": command.imageArchitecture ?? "x86_64", "machine": command.machineType],
                       text: "hvm")
            for device in bootDevices { os.empty("boot", ["dev": device]) }
            if command.useBootMenu == true {
                os.empty("bootmenu", ["enable": "yes", "timeout": command.bootMenuSplashTimeout.map(String.init)])
            }
        }
    }

    private func clockOffset(_ clock: String?) throws(KVMAgentError) -> String {
        switch clock ?? "utc" {
        case "utc": "utc"
        case "localtime": "localtime"
        case let other: throw KVMAgentError(.domainXML, "clock '\(other)' is not utc or localtime")
        }
    }
}
