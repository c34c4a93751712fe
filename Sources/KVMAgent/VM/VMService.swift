import AgentWire
import HostSystem
import Libvirt

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The VM lifecycle commands of the KVM agent, on one libvirt connection. The HTTP routes only decode,
/// call these and encode; a thrown error becomes the in-band `{"success":false,"error":...}` reply.
///
/// As in ZStack's Python agent, a VM's domain exists only while it runs: `start` defines and starts it,
/// `stop` and `destroy` also undefine it, and the MN treats a VM missing from `/vm/vmsync` as stopped.
public struct VMService: Sendable {
    public let connection: LibvirtConnection
    public let builder: DomainXMLBuilder
    /// Which paths a disk or CD-ROM may name.
    public let volumePaths: VolumePathPolicy
    /// What undefining removes: `.all` on qemu, `.metadata` on the test driver (which rejects `.nvram`).
    public let undefineOptions: UndefineOptions
    /// How often a graceful stop checks whether the guest is down.
    public let stopPollInterval: Duration
    /// Where each operation announces the lifecycle events it causes, so they are not reported to the MN.
    public let expectedEvents: ExpectedEvents
    /// Migrations in flight, for `/job/cancel`.
    public let jobs = MigrationJobs()
    /// Where libvirt's qemu driver keeps each domain's pid file (`/vm/priority` sets the process's OOM score).
    public let qemuRunDirectory: String
    /// What the previous `/vm/volumesync` found unused.
    let volumeSyncHistory = VolumeSyncHistory()
    /// The qemu behind each VM, for the replies that report it.
    let virtualizer: Virtualizer

    public init(connection: LibvirtConnection, builder: DomainXMLBuilder, volumePaths: VolumePathPolicy,
                undefineOptions: UndefineOptions = .all, stopPollInterval: Duration = .milliseconds(200),
                expectedEvents: ExpectedEvents = ExpectedEvents(), qemuRunDirectory: String = "/var/run/libvirt/qemu",
                emulator: String? = nil, runner: ProcessRunner = ProcessRunner()) {
        self.connection = connection
        self.builder = builder
        self.volumePaths = volumePaths
        self.undefineOptions = undefineOptions
        self.stopPollInterval = stopPollInterval
        self.expectedEvents = expectedEvents
        self.qemuRunDirectory = qemuRunDirectory
        virtualizer = Virtualizer(connection: connection, emulator: emulator, runner: runner, pidDirectory: qemuRunDirectory)
    }

    /// `/vm/start`: builds the domain, checks its files exist, defines and starts it. A VM already running
    /// is left alone (the MN retries starts); a stale shut-off definition is replaced. If starting fails the
    /// new definition is removed, so no half-made VM stays behind.
    public func start(_ command: KVM.StartVmCmd) async throws -> KVM.StartVmResponse {
        let xml = try builder.build(command)
        try checkPaths(command)
        let name = command.vmInstanceUuid ?? ""
        if let existing = try await connection.domain(named: name) {
            defer { existing.close() }
            if KvmVmState(try await existing.state().state) != .shutdown { return try await devicesInfo(existing) }
            try await existing.undefine(undefineOptions)
        }
        let domain = try await connection.defineDomain(xml: xml)
        defer { domain.close() }
        do {
            try await expectedEvents.expecting(name, .started) { try await domain.start() }
            if command.createPaused == true {
                try await expectedEvents.expecting(name, .suspended) { try await domain.suspend() }
            }
        } catch {
            try? await domain.destroy()
            try? await domain.undefine(undefineOptions)
            throw error
        }
        return try await devicesInfo(domain)
    }

    /// `/vm/stop`: `grace` (default) asks the guest and waits up to half of `timeout` (seconds), then pulls
    /// the plug; `cold` and `force` pull it at once. The definition is removed. A missing VM is stopped.
    public func stop(_ command: KVM.StopVmCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.uuid, "uuid")
        guard let domain = try await connection.domain(named: uuid) else { return EmptyReply() }
        defer { domain.close() }
        let type = command.type ?? "grace"
        guard ["grace", "cold", "force"].contains(type) else {
            throw KVMAgentError(.vm, "stop type '\(type)' is not grace, cold or force")
        }
        guard try await isActive(domain) else {
            try await undefine(domain)
            return EmptyReply()
        }
        // One stop event whichever way the guest goes down: by itself after the request, or pulled.
        try await expectedEvents.expecting(uuid, .stopped) {
            if type == "grace" {
                try await domain.shutdown()
                let deadline = ContinuousClock.now + .seconds(max(command.timeout ?? 120, 2) / 2)
                while try await isActive(domain), ContinuousClock.now < deadline {
                    try await Task.sleep(for: stopPollInterval)
                }
            }
            if try await isActive(domain) { try await domain.destroy() }
        }
        try await undefine(domain)
        return EmptyReply()
    }

    /// `/vm/destroy`: pulls the plug and removes the definition; a missing VM is success.
    public func destroy(_ command: KVM.DestroyVmCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.uuid, "uuid")
        guard let domain = try await connection.domain(named: uuid) else { return EmptyReply() }
        defer { domain.close() }
        try await destroyAndUndefine(domain)
        return EmptyReply()
    }

    /// `/vm/pause`.
    public func pause(_ command: KVM.PauseVmCmd) async throws -> EmptyReply {
        try await existing(command.uuid) { domain in
            try await expectedEvents.expecting(domain.name, .suspended) { try await domain.suspend() }
        }
        return EmptyReply()
    }

    /// `/vm/resume`.
    public func resume(_ command: KVM.ResumeVmCmd) async throws -> EmptyReply {
        try await existing(command.uuid) { domain in
            try await expectedEvents.expecting(domain.name, .resumed) { try await domain.resume() }
        }
        return EmptyReply()
    }

    /// `/vm/reboot`. The guest's reset is ZStack's own doing: not reported as `/kvm/reportvmreboot`.
    public func reboot(_ command: KVM.RebootVmCmd) async throws -> KVM.RebootVmResponse {
        try await existing(command.uuid) { domain in
            try await expectedEvents.rebooting(domain.name) { try await domain.reboot() }
            var reply = KVM.RebootVmResponse()
            reply.virtualizerInfo = try await virtualizer.vm(uuid: domain.name)
            return reply
        }
    }

    /// `/vm/vmsync` with the Python agent's semantics (`vm_plugin.vm_sync`): the active domains only — a
    /// defined domain that does not run is a stopped VM, and the MN treats a VM it does not hear of as
    /// stopped —; a guest that is shutting down is still `Running` (it may be rebooting from inside) and
    /// is named in `vmInShutdowns`, which the MN uses to tell a shutdown in progress from a crash; a
    /// `Paused` VM is looked at again half a second later, so a pause of a moment (a snapshot, a migration
    /// step) does not reach the MN.
    public func sync() async throws -> KVM.VmSyncResponse {
        var (states, inShutdown) = try await activeStates()
        for (name, state) in states where state == .shutdown { states[name] = .running }
        if states.values.contains(.paused) {
            try await Task.sleep(for: .milliseconds(500))
            for (name, state) in try await activeStates().states where state != .paused {
                states[name] = state == .shutdown ? .running : state
            }
        }
        return KVM.VmSyncResponse(states: states.mapValues(\.rawValue), vmInShutdowns: inShutdown)
    }

    /// `/vm/checkstate`: each VM asked for in libvirt's words as the Python agent reports them — a VM that
    /// is not active here, or is shutting down, is `Shutdown`.
    public func checkState(_ command: KVM.CheckVmStateCmd) async throws -> KVM.CheckVmStateRsp {
        let states = try await activeStates().states
        return KVM.CheckVmStateRsp(states: Dictionary((command.vmUuids ?? []).map {
            ($0, (states[$0] ?? .shutdown).rawValue)
        }) { first, _ in first })
    }

    /// The active domains' states, in one libvirt call, and the names of those shutting down. Domains
    /// that are not VMs of the MN's are left out as the Python agent leaves them out: libguestfs's
    /// appliances and the MN's own VM of an HA deployment.
    private func activeStates() async throws -> (states: [String: KvmVmState], inShutdown: [String]) {
        let domains = try await connection.allDomains(activeOnly: true)
            .filter { !$0.name.hasPrefix("guestfs-") && $0.name != "ZStack Management Node VM" }
        return (Dictionary(domains.map { ($0.name, KvmVmState($0.state.state)) }) { first, _ in first },
                domains.filter { $0.state.state == .shutdown }.map(\.name))
    }

    private func existing<T>(_ uuid: String?, _ operation: (LibvirtDomain) async throws -> T) async throws -> T {
        try await withDomain(try Self.required(uuid, "uuid"), operation)
    }

    /// Runs `operation` on the VM's domain; a VM that is not here is an error.
    func withDomain<T>(_ uuid: String, _ operation: (LibvirtDomain) async throws -> T) async throws -> T {
        guard let domain = try await connection.domain(named: uuid) else {
            throw KVMAgentError(.vm, "vm \(uuid) is not on this host")
        }
        defer { domain.close() }
        return try await operation(domain)
    }

    private func isActive(_ domain: LibvirtDomain) async throws -> Bool {
        KvmVmState(try await domain.state().state) != .shutdown
    }

    private func destroyAndUndefine(_ domain: LibvirtDomain) async throws {
        if try await isActive(domain) {
            try await expectedEvents.expecting(domain.name, .stopped) { try await domain.destroy() }
        }
        try await undefine(domain)
    }

    private func undefine(_ domain: LibvirtDomain) async throws {
        do {
            try await domain.undefine(undefineOptions)
        } catch let error as LibvirtError where error.code == .noDomain {
            // A transient domain disappears when destroyed: nothing left to undefine.
        }
    }

    static func required(_ value: String?, _ field: String) throws -> String {
        guard let value, !value.isEmpty else { throw KVMAgentError(.vm, "\(field) is missing") }
        return value
    }

    /// Every disk and CD-ROM path checked before anything is defined (`VolumePathPolicy`).
    func checkPaths(_ command: KVM.StartVmCmd) throws {
        var paths = [("rootVolume", command.rootVolume?.installPath)]
        paths += (command.dataVolumes ?? []).map { ("data volume \($0.volumeUuid ?? "?")", $0.installPath) }
        paths += (command.cdRoms ?? []).filter { $0.isEmpty != true }.map { ("cdRom \($0.imageUuid ?? "?")", $0.path) }
        for (what, path) in paths { try volumePaths.check(path, what) }
    }
}
