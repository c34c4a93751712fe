import AgentWire

/// Requests in a `KVM.StartVmCmd` that change what the guest gets and that this agent does not build yet: each
/// is refused with its field named, instead of starting a VM that silently lacks it (a UEFI guest booted as
/// BIOS does not boot at all; a Hyper-V-enlightened Windows guest slows down). Fields at their "off" value,
/// which every MN sends, pass.
enum UnsupportedVMFeatures {
    static func check(_ command: KVM.StartVmCmd) throws(KVMAgentError) {
        var requested: [String] = []
        if let mode = command.bootMode, mode.uppercased() != "LEGACY" { requested.append("bootMode \(mode) (only Legacy BIOS boot)") }
        let switches: [(String, Bool?)] = [
            ("secureBoot", command.secureBoot), ("emulateHyperV", command.emulateHyperV),
            ("kvmHiddenState", command.kvmHiddenState), ("useNuma", command.useNuma),
            ("suspendToRam", command.suspendToRam), ("suspendToDisk", command.suspendToDisk),
            ("enableSecurityElement", command.enableSecurityElement),
        ]
        requested += switches.filter { $0.1 == true }.map(\.0)
        if let access = command.MemAccess, access.lowercased() == "shared" { requested.append("MemAccess shared (shared guest memory)") }
        if let vendor = command.vendorId, !vendor.isEmpty { requested.append("vendorId \(vendor)") }
        guard requested.isEmpty else {
            throw KVMAgentError(.domainXML, "this agent cannot give the VM: \(requested.joined(separator: ", ")); "
                + "start it without these settings or on a host running ZStack's Python agent")
        }
    }
}
