import CLibvirt

/// Which definition a device or sizing change applies to (`virDomainModificationImpact`).
public struct DomainModification: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The running domain (`VIR_DOMAIN_AFFECT_LIVE`); fails on a shut-off domain.
    public static let live = DomainModification(rawValue: VIR_DOMAIN_AFFECT_LIVE.rawValue)
    /// The persistent definition (`VIR_DOMAIN_AFFECT_CONFIG`); fails on a transient domain.
    public static let config = DomainModification(rawValue: VIR_DOMAIN_AFFECT_CONFIG.rawValue)
    /// For `updateDevice`: eject a CD-ROM even if the guest locked its tray (`VIR_DOMAIN_DEVICE_MODIFY_FORCE`).
    public static let force = DomainModification(rawValue: VIR_DOMAIN_DEVICE_MODIFY_FORCE.rawValue)
}

extension LibvirtDomain {
    /// Hot-plugs a device described by its XML (`virDomainAttachDeviceFlags`).
    /// - Throws: `LibvirtError`; drivers without hot-plug (such as `test://`) answer `.noSupport`.
    public func attachDevice(xml: String, _ modification: DomainModification = .live) async throws {
        try await run("virDomainAttachDeviceFlags") { virDomainAttachDeviceFlags($0, xml, modification.rawValue) }
    }

    /// Hot-unplugs the device matching the XML (`virDomainDetachDeviceFlags`). On qemu the guest must
    /// release the device; the call returns once the request is made.
    public func detachDevice(xml: String, _ modification: DomainModification = .live) async throws {
        try await run("virDomainDetachDeviceFlags") { virDomainDetachDeviceFlags($0, xml, modification.rawValue) }
    }

    /// Changes a device in place, matched by its target or MAC (`virDomainUpdateDeviceFlags`): a CD-ROM's
    /// medium, a NIC's link state or bridge.
    /// - Throws: `LibvirtError`; the `test://` driver answers `.noSupport`.
    public func updateDevice(xml: String, _ modification: DomainModification = .live) async throws {
        try await run("virDomainUpdateDeviceFlags") { virDomainUpdateDeviceFlags($0, xml, modification.rawValue) }
    }

    /// Sets the domain's CPU weight against other domains (`cpu_shares` through
    /// `virDomainSetSchedulerParametersFlags`).
    public func setCPUShares(_ shares: UInt64, _ modification: DomainModification = .live) async throws {
        try await value("virDomainSetSchedulerParametersFlags") { pointer throws(LibvirtError) in
            var params: virTypedParameterPtr?
            var count: Int32 = 0
            var capacity: Int32 = 0
            defer { virTypedParamsFree(params, count) }
            try LibvirtError.check(virTypedParamsAddULLong(&params, &count, &capacity, VIR_DOMAIN_SCHEDULER_CPU_SHARES,
                                                           shares), "virTypedParamsAddULLong")
            try LibvirtError.check(virDomainSetSchedulerParametersFlags(pointer, params, count, modification.rawValue),
                                   "virDomainSetSchedulerParametersFlags")
        }
    }

    /// Sets the number of active vCPUs (`virDomainSetVcpusFlags`); at most the domain's maximum.
    public func setVirtualCPUs(_ count: Int, _ modification: DomainModification = .live) async throws {
        let count = UInt32(clamping: count)
        try await run("virDomainSetVcpusFlags") { virDomainSetVcpusFlags($0, count, modification.rawValue) }
    }

    /// Sets the current memory in KiB (`virDomainSetMemoryFlags`); at most the domain's maximum memory.
    public func setMemory(kib: UInt64, _ modification: DomainModification = .live) async throws {
        let kib = UInt(clamping: kib)
        try await run("virDomainSetMemoryFlags") { virDomainSetMemoryFlags($0, kib, modification.rawValue) }
    }

    /// Aborts the domain's current job, e.g. a migration (`virDomainAbortJob`).
    public func abortJob() async throws {
        try await run("virDomainAbortJob") { virDomainAbortJob($0) }
    }
}
