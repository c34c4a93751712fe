import AgentWire
import Libvirt
import Synchronization

/// Migrations in flight, by the id of the MN API that started them, so `/job/cancel` can abort one.
public final class MigrationJobs: Sendable {
    private let running = Mutex<[String: String]>([:])

    public init() {}

    func begin(apiID: String?, vm: String) { if let apiID { running.withLock { $0[apiID] = vm } } }
    func end(apiID: String?) { if let apiID { _ = running.withLock { $0.removeValue(forKey: apiID) } } }
    func vm(apiID: String) -> String? { running.withLock { $0[apiID] } }
}

extension VMService {
    /// `/vm/migrate`: live migration to `destHostIp` with `virDomainMigrateToURI3`, as ZStack's agent does it
    /// (peer to peer over `qemu+tcp`, persistent on the destination, undefined here; auto-converge, xbzrle
    /// compression, storage copy and bandwidth when asked).
    public func migrate(_ command: KVM.MigrateVmCmd) async throws -> EmptyReply {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        let destination = try Self.required(command.destHostIp, "destHostIp")
        guard DomainDevices.isHostAddress(destination) else {
            throw KVMAgentError(.vm, "destHostIp '\(destination)' is not an IP address or host name")
        }
        var flags: MigrationOptions.Flags = [.live, .peerToPeer, .persistDestination, .undefineSource]
        if command.autoConverge == true { flags.insert(.autoConverge) }
        if command.xbzrle == true { flags.insert(.compressed) }
        switch command.storageMigrationPolicy {
        case nil: break
        case "FullCopy": flags.insert(.copyAllStorage)
        case "IncCopy": flags.insert(.copyIncrementalStorage)
        case let other?: throw KVMAgentError(.vm, "storageMigrationPolicy '\(other)' is not FullCopy or IncCopy")
        }
        // ZStack sends bytes per second; libvirt wants MiB/s (at least 1 when a limit is set).
        let options = MigrationOptions(flags: flags, migrationURI: "tcp://\(destination)",
                                       bandwidthMiBs: command.bandwidth.flatMap { $0 > 0 ? max(1, UInt64($0) >> 20) : nil })
        let apiID = command.threadContext?["api"].flatMap { if case let .string(id) = $0 { id } else { nil } }
        try await withDomain(uuid) { domain in
            jobs.begin(apiID: apiID, vm: uuid)
            defer { jobs.end(apiID: apiID) }
            do {
                try await expectedEvents.expecting(uuid, .stopped) {
                    try await domain.migrate(to: "qemu+tcp://\(destination)/system", options)
                }
            } catch let error as LibvirtError where [.noSupport, .operationUnsupported, .argumentUnsupported].contains(error.code) {
                throw KVMAgentError(.vm, "cannot migrate vm \(uuid): the libvirt driver \(connection.uri) does not support migration (\(error.message))")
            } catch let error as LibvirtError {
                throw KVMAgentError(.vm, "migrating vm \(uuid) to \(destination) failed: \(error.message)")
            }
        }
        return EmptyReply()
    }

    /// `/job/cancel`: aborts the migration started by API `cancellationApiId`. Nothing running under that id
    /// is success, as in ZStack's agent: the job may just have finished.
    public func cancelJob(_ command: KVM.CancelCmd) async throws -> EmptyReply {
        let apiID = try Self.required(command.cancellationApiId, "cancellationApiId")
        guard let vm = jobs.vm(apiID: apiID) else { return EmptyReply() }
        try await withDomain(vm) { try await $0.abortJob() }
        return EmptyReply()
    }
}
