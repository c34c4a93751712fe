import AgentClient
import AgentServer
import AgentWire
@testable import KVMAgent
import Libvirt
import Logging
import ServiceLifecycle
import Testing

/// The VM events the agent posts to the MN's `sendCommandUrl`, compared with what ZStack 5.x's Python agent
/// (`vm_plugin.register_libvirt_event`) posts for the same libvirt events.
///
/// The test driver emits lifecycle events for start, suspend, resume, shutdown and destroy, so those go
/// through the whole path (libvirt → agent → HTTP → MN). It emits no `VIR_DOMAIN_EVENT_SHUTDOWN` lifecycle
/// event (its shutdown goes straight to `stopped`), no `crashed` event and no reboot event
/// (`virDomainReboot` changes no state there). For those, the events qemu's driver delivers are fed to the
/// agent's reporter in place of the libvirt stream (as `ConnectEffectsTests` does for a lost connection),
/// and the finer rules are checked on `VMEventReports` in `VMEventReportsTests`.
@Suite("VM events to the MN on the test driver", .timeLimit(.minutes(2)))
struct VMEventsHTTPTests {
    /// Every report about `vm` the MN received, in order: command path and body as JSON.
    func reports(_ agent: KVMAgentHarness, about vm: String) throws -> [Report] {
        try agent.mn.events.compactMap { event in
            guard event.commandPath.hasPrefix("/kvm/reportvm") else { return nil }
            let body = try event.decode(JSONValue.self)
            guard case .object(let fields) = body, fields["vmUuid"] == .string(vm) else { return nil }
            return Report(event.commandPath, body)
        }
    }

    /// Waits until everything caused before it has been reported: a change behind the agent's back on a
    /// marker domain is reported after every event libvirt emitted earlier, and the agent posts in order.
    func settle(_ agent: KVMAgentHarness) async throws {
        let marker = try await VMRoutesHTTPTests.defineAndStart(on: agent.libvirt, name: "marker-" + KVMAgentHarness.uniqueUUID())
        defer { marker.close() }
        #expect(try await agent.nextStateReport(for: marker.name).vmState == "Running")
        try await marker.destroy()
        try await marker.undefine()
    }

    @Test("the agent's own start, pause, resume, reboot, stop and destroy: one /kvm/reportvmstart per start, as Python sends, nothing else")
    func ownOperations() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            let start = try agent.zstack5Start(uuid: uuid)
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            var pause = KVM.PauseVmCmd()
            pause.uuid = uuid
            #expect(try await agent.call("/vm/pause", pause, as: EmptyReply.self).success)
            #expect(try await agent.call("/vm/resume", pause, as: EmptyReply.self).success)
            var reboot = KVM.RebootVmCmd()
            reboot.uuid = uuid
            #expect(try await agent.call("/vm/reboot", reboot, as: KVM.RebootVmResponse.self).success)
            var stop = KVM.StopVmCmd()
            stop.uuid = uuid
            stop.type = "grace"
            stop.timeout = 4
            #expect(try await agent.call("/vm/stop", stop, as: EmptyReply.self).success)
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            var destroy = KVM.DestroyVmCmd()
            destroy.uuid = uuid
            #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)

            try await settle(agent)
            // Python's `_vm_start_event` skips nothing: the MN refreshes the VM's virtualizer info on it.
            #expect(try reports(agent, about: uuid) == [Report.event("/kvm/reportvmstart", uuid),
                                                       Report.event("/kvm/reportvmstart", uuid)])
        }
    }

    @Test("changes behind the agent's back: each reported once, in libvirt's order, with the bodies the MN reads")
    func behindTheBack() async throws {
        try await KVMAgentHarness.with { agent in
            let domain = try await VMRoutesHTTPTests.defineAndStart(on: agent.libvirt, name: KVMAgentHarness.uniqueUUID())
            defer { domain.close() }
            try await domain.suspend()
            try await domain.resume()
            try await domain.shutdown()
            try await domain.start()
            try await domain.destroy()
            try await domain.undefine()

            try await settle(agent)
            let vm = domain.name
            #expect(try reports(agent, about: vm) == [
                .state(vm, "Running"), .event("/kvm/reportvmstart", vm),
                .state(vm, "Paused"),
                .state(vm, "Running"),
                // On qemu a guest shutdown first emits `shutdown` (→ /kvm/reportvmshutdown); the test driver
                // goes straight to `stopped`.
                .state(vm, "Shutdown"),
                .state(vm, "Running"), .event("/kvm/reportvmstart", vm),
                .state(vm, "Shutdown"),
            ])
        }
    }

    @Test("qemu's shutdown, crash and reboot events, fed to the reporter: Python's posts, once each, in order")
    func qemuEvents() async throws {
        let logger = Logger(label: "test.reporter")
        try await ManagementNodeEndpoint.run { mn in
            let server = try AgentServer(configuration: .init(listenAddress: "127.0.0.1", port: 0), routes: [], logger: logger)
            try server.events.setURL(mn.sendCommandURL)
            let identity = HostIdentity()
            identity.update { $0.hostUuid = KVMAgentHarness.hostUuid }
            let expected = ExpectedEvents()
            let (domainEvents, libvirt) = AsyncStream.makeStream(of: DomainEvent.self)
            let (closes, _) = AsyncStream.makeStream(of: ConnectionCloseReason.self)
            let reporter = VMStateReporter(domainEvents: domainEvents, closes: closes,
                                           reports: VMEventReports(expected: expected), identity: identity,
                                           events: server.events, onLost: { _ in }, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [reporter], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let (guest, panicked, rebooted, ownReboot, marker) = ("vm-guest-off", "vm-panic", "vm-reset", "vm-own-reboot", "vm-marker")
                func lifecycle(_ vm: String, _ kind: DomainLifecycleEvent.Kind, _ detail: Int32) -> DomainEvent {
                    .lifecycle(DomainLifecycleEvent(domainName: vm, domainUUID: "", kind: kind, detail: detail))
                }
                // A guest powering off (detail guest), then qemu exiting (stopped, shutdown).
                libvirt.yield(lifecycle(guest, .shutdown, DomainLifecycleEvent.ShutdownDetail.guest))
                libvirt.yield(lifecycle(guest, .stopped, 0))
                // A pvpanic crash (crashed, panicked); with on_crash=destroy qemu then stops (stopped, crashed).
                libvirt.yield(lifecycle(panicked, .crashed, 0))
                libvirt.yield(lifecycle(panicked, .stopped, 5))
                // A guest that resets twice while it reboots, and the reset of the agent's own /vm/reboot.
                libvirt.yield(.reboot(domainName: rebooted, domainUUID: ""))
                libvirt.yield(.reboot(domainName: rebooted, domainUUID: ""))
                try await expected.rebooting(ownReboot) {}
                libvirt.yield(.reboot(domainName: ownReboot, domainUUID: ""))
                libvirt.yield(lifecycle(marker, .started, 0))
                _ = try await mn.nextEvent("/kvm/reportvmstart", timeout: .seconds(30))

                let received = try mn.events.map { Report($0.commandPath, try $0.decode(JSONValue.self)) }
                #expect(received == [
                    .event("/kvm/reportvmshutdown", guest), .event("/kvm/reportvmshutdown/from/guest", guest),
                    .state(guest, "Shutdown"),
                    .state(panicked, "Crashed"), .event("/kvm/reportvmcrash", panicked),
                    .state(panicked, "Shutdown"),
                    .event("/kvm/reportvmreboot", rebooted),
                    .state(marker, "Running"), .event("/kvm/reportvmstart", marker),
                ])
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}

/// A report as the MN received it.
struct Report: Equatable, CustomStringConvertible {
    let path: String
    let body: JSONValue

    init(_ path: String, _ body: JSONValue) {
        self.path = path
        self.body = body
    }

    /// `ReportVmStateCmd` as the agent fills it: the harness's host, the VM, its new state.
    static func state(_ vm: String, _ state: String) -> Report {
        Report("/kvm/reportvmstate", .object(["hostUuid": .string(KVMAgentHarness.hostUuid), "vmUuid": .string(vm),
                                              "vmState": .string(state)]))
    }

    /// `ReportVmStartEventCmd`, `ReportVmShutdownEventCmd`, ...: only `vmUuid`, the one field the MN reads.
    static func event(_ path: String, _ vm: String) -> Report {
        Report(path, .object(["vmUuid": .string(vm)]))
    }

    var description: String { "\(path) \(body)" }
}
