import AgentServer
import AgentWire
import Libvirt
import Logging
import ServiceLifecycle

/// Tells the MN about VM state changes it did not ask for, and about losing libvirt, as ZStack's `vm_plugin`
/// does: a lifecycle event no agent operation announced in `ExpectedEvents` becomes `/kvm/reportvmstate`;
/// libvirt closing the connection becomes `/kvm/reconnectme`, then `onLost` (the executable exits so init
/// restarts it with a fresh connection).
struct VMStateReporter: Service {
    let lifecycle: AsyncStream<DomainLifecycleEvent>
    let closes: AsyncStream<ConnectionCloseReason>
    let expected: ExpectedEvents
    let identity: HostIdentity
    let events: EventPusher
    let onLost: @Sendable (String) -> Void
    let logger: Logger

    /// The state ZStack records for an event; nil for events that do not change it (define, undefine, ...).
    static func vmState(after kind: DomainLifecycleEvent.Kind) -> KvmVmState? {
        switch kind {
        case .started, .resumed: .running
        case .suspended, .pmSuspended: .paused
        case .stopped: .shutdown
        case .crashed: .crashed
        case .defined, .undefined, .shutdown, .other: nil
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await reportStateChanges() }
                group.addTask { await watchConnection() }
            }
        }
    }

    private func reportStateChanges() async {
        // One event at a time, in libvirt's order, so the MN sees a VM's changes in the order they happened.
        for await event in lifecycle {
            guard let state = Self.vmState(after: event.kind), !expected.consume(event) else { continue }
            let report = KVM.ReportVmStateCmd(hostUuid: identity.snapshot.hostUuid, vmUuid: event.domainName,
                                          vmState: state.rawValue)
            await push(KVM.ManagementNodePath.reportVmState, report, ["vm_uuid": "\(event.domainName)", "vm_state": "\(state.rawValue)"])
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
