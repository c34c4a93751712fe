import CLibvirt
import NIOPosix

#if canImport(Glibc)
import Glibc  // free() for strings libvirt allocates
#endif

/// One libvirt domain (`virDomainPtr`).
///
/// Threading: libvirt domains are thread-safe; every method may be called concurrently from any task and
/// runs as one job on the connection's workers.
///
/// Ownership: the domain owns one libvirt reference (which also keeps the C connection alive), dropped by
/// `close()` or, as a fallback, by `deinit`. After `close()` every method throws `LibvirtError.Code.closed`.
/// A `LibvirtDomain` is a handle, not a snapshot: after `undefine()` of a stopped domain further calls fail
/// with `.noDomain`.
public final class LibvirtDomain: Sendable {
    /// The domain name (the ZStack VM uuid for domains ZStack defined).
    public let name: String
    /// libvirt's uuid of the domain, lower-case with dashes.
    public let uuid: String

    private let handle: RetainedHandle
    private let workers: NIOThreadPool

    /// Takes over the reference libvirt returned with `pointer`.
    init(adopting pointer: OpaquePointer, workers: NIOThreadPool) throws(LibvirtError) {
        name = Self.name(of: pointer)
        uuid = Self.uuid(of: pointer)
        handle = RetainedHandle(pointer, kind: "domain \(name)", ref: { virDomainRef($0) }, unref: { virDomainFree($0) })
        self.workers = workers
    }

    /// Drops this handle's reference. Idempotent; does not change the domain itself.
    public func close() { handle.release() }

    // Name and uuid are cached in the C object, so reading them is a local call on any thread.
    static func name(of pointer: OpaquePointer) -> String {
        virDomainGetName(pointer).map { String(cString: $0) } ?? ""
    }

    static func uuid(of pointer: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        guard virDomainGetUUIDString(pointer, &buffer) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs one blocking call with the domain pointer on the workers; a negative result throws.
    func run(_ operation: String, _ call: @escaping @Sendable (OpaquePointer) -> Int32) async throws {
        _ = try await value(operation) { pointer throws(LibvirtError) in
            try LibvirtError.check(call(pointer), operation)
        }
    }

    func value<T: Sendable>(_ operation: String,
                                    _ body: @escaping @Sendable (OpaquePointer) throws(LibvirtError) -> T) async throws -> T {
        try await workers.runIfActive { [handle] () throws(LibvirtError) -> T in
            try handle.withPointer(operation) { pointer throws(LibvirtError) in try body(pointer) }
        }
    }

    /// Starts a defined, shut-off domain (`virDomainCreate`).
    public func start() async throws { try await run("virDomainCreate") { virDomainCreate($0) } }

    /// Asks the guest to shut down (ACPI; `virDomainShutdown`). Returns before the guest has stopped.
    public func shutdown() async throws { try await run("virDomainShutdown") { virDomainShutdown($0) } }

    /// Stops the domain at once, like pulling the plug (`virDomainDestroy`).
    public func destroy() async throws { try await run("virDomainDestroy") { virDomainDestroy($0) } }

    /// Asks the guest to reboot (`virDomainReboot`).
    public func reboot() async throws { try await run("virDomainReboot") { virDomainReboot($0, 0) } }

    /// Pauses every vCPU (`virDomainSuspend`).
    public func suspend() async throws { try await run("virDomainSuspend") { virDomainSuspend($0) } }

    /// Resumes a paused domain (`virDomainResume`).
    public func resume() async throws { try await run("virDomainResume") { virDomainResume($0) } }

    /// Removes the persistent definition (`virDomainUndefineFlags`); a running domain becomes transient
    /// and disappears when it stops.
    public func undefine(_ options: UndefineOptions = .metadata) async throws {
        try await run("virDomainUndefineFlags") { virDomainUndefineFlags($0, options.rawValue) }
    }

    /// The domain XML, with secrets such as the VNC password when `secure` (`VIR_DOMAIN_XML_SECURE`); the
    /// persistent definition rather than the running domain when `inactive` (`VIR_DOMAIN_XML_INACTIVE`).
    public func xml(secure: Bool = true, inactive: Bool = false) async throws -> String {
        let flags = (secure ? VIR_DOMAIN_XML_SECURE.rawValue : 0) | (inactive ? VIR_DOMAIN_XML_INACTIVE.rawValue : 0)
        return try await value("virDomainGetXMLDesc") { pointer throws(LibvirtError) in
            let text = try LibvirtError.check(virDomainGetXMLDesc(pointer, flags), "virDomainGetXMLDesc")
            defer { free(text) }
            return String(cString: text)
        }
    }

    /// The current state and libvirt's reason for it (`virDomainGetState`).
    public func state() async throws -> DomainStateAndReason {
        try await value("virDomainGetState") { pointer throws(LibvirtError) in
            var state: Int32 = 0
            var reason: Int32 = 0
            try LibvirtError.check(virDomainGetState(pointer, &state, &reason, 0), "virDomainGetState")
            return DomainStateAndReason(state: DomainState(rawValue: state), reason: reason)
        }
    }

    /// vCPUs, memory and CPU time (`virDomainGetInfo`).
    public func info() async throws -> DomainInfo {
        try await value("virDomainGetInfo") { pointer throws(LibvirtError) in
            var info = virDomainInfo()
            try LibvirtError.check(virDomainGetInfo(pointer, &info), "virDomainGetInfo")
            return DomainInfo(state: DomainState(rawValue: Int32(info.state)), maxMemoryKiB: UInt64(info.maxMem),
                              memoryKiB: UInt64(info.memory), virtualCPUs: Int(info.nrVirtCpu),
                              cpuTimeNanoseconds: UInt64(info.cpuTime))
        }
    }
}

/// What `LibvirtDomain.undefine` removes along with the definition (`virDomainUndefineFlagsValues`).
public struct UndefineOptions: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The managed-save image, which would otherwise block the undefine.
    public static let managedSave = UndefineOptions(rawValue: VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue)
    /// Snapshot metadata (the snapshot images stay).
    public static let snapshotsMetadata = UndefineOptions(rawValue: VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue)
    /// Checkpoint metadata.
    public static let checkpointsMetadata = UndefineOptions(rawValue: VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.rawValue)
    /// The UEFI NVRAM file. Needed by qemu for UEFI guests; the `test://` driver rejects this flag.
    public static let nvram = UndefineOptions(rawValue: VIR_DOMAIN_UNDEFINE_NVRAM.rawValue)

    /// What every driver accepts: managed save and snapshot metadata.
    public static let metadata: UndefineOptions = [.managedSave, .snapshotsMetadata]
    /// Everything qemu keeps beside a definition, for `qemu://`.
    public static let all: UndefineOptions = [.managedSave, .snapshotsMetadata, .checkpointsMetadata, .nvram]
}
