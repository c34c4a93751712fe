import AgentServer
import AgentWire
import Libvirt
import Logging
import ServiceLifecycle

/// Tells the MN about VM events and about losing libvirt, as ZStack's `vm_plugin` does: each libvirt event
/// becomes the reports `VMEventReports` names (`/kvm/reportvmstate`, `/kvm/reportvmstart`, ...); libvirt
/// closing the connection becomes `/kvm/reconnectme`, then `onLost` (the executable exits so init
/// restarts it with a fresh connection).
struct VMStateReporter: Service {
    let domainEvents: AsyncStream<DomainEvent>
    let closes: AsyncStream<ConnectionCloseReason>
    let reports: VMEventReports
    let identity: HostIdentity
    let events: EventPusher
    let onLost: @Sendable (String) -> Void
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await reportDomainEvents() }
                group.addTask { await watchConnection() }
            }
        }
    }

    private func reportDomainEvents() async {
        // One report at a time, in libvirt's order, so the MN sees a VM's changes in the order they happened.
        for await event in domainEvents {
            for report in reports.reports(for: event, hostUuid: identity.snapshot.hostUuid) {
                let metadata: Logger.Metadata = ["vm_uuid": "\(event.domainName)"]
                switch report {
                case .state(let body): await push(report.path, body, metadata)
                case .event(_, let body): await push(report.path, body, metadata)
                }
            }
        }
    }

    private func watchConnection() async {
        for await reason in closes {
            let why = "libvirt closed the connection (\(reason)); the agent exits to reconnect"
            logger.error("libvirt connection lost", metadata: ["reason": "\(reason)"])
            await push(KVM.ManagementNodePath.reconnectMe, KVM.ReconnectMeCmd(hostUuid: identity.snapshot.hostUuid, reason: why), [:])
            onLost(why)
        }
    }

    private func push(_ path: String, _ body: some Encodable & Sendable, _ metadata: Logger.Metadata) async {
        do {
            try await events.push(path, body)
        } catch {
            // The MN learns the state from its next vmsync anyway; a failed report must not stop the stream.
            logger.warning("event not delivered", metadata: metadata.merging(
                ["command_path": "\(path)", "error": "\(error)"]) { $1 })
        }
    }
}
