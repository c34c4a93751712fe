import AgentWire
import KVMAgent
import Libvirt
import Testing

/// What the agent posts for the libvirt events the test driver cannot emit (see `VMEventsHTTPTests`): a guest
/// that finished shutting down (`VIR_DOMAIN_EVENT_SHUTDOWN` with qemu's detail), a guest panic (`crashed`),
/// a guest reset (`VIR_DOMAIN_EVENT_ID_REBOOT`). The events are the values libvirt's qemu driver delivers;
/// the expected reports are those of vm_plugin's `_vm_shutdown_event`, `_vm_shutdown_event_from_guest`,
/// `_vm_crashed_event` and `_vm_reboot_event`.
@Suite("VM event reports for qemu's events")
struct VMEventReportsTests {
    let vm = "9b4e0c6a1d2f4e7a8b3c5d6e7f8a9b0c"
    let hostUuid = KVMAgentHarness.hostUuid

    func lifecycle(_ kind: DomainLifecycleEvent.Kind, _ detail: Int32 = 0) -> DomainEvent {
        .lifecycle(DomainLifecycleEvent(domainName: vm, domainUUID: "", kind: kind, detail: detail))
    }

    var reboot: DomainEvent { .reboot(domainName: vm, domainUUID: "") }

    func event(_ path: String) -> VMEventReport { .event(path: path, KVM.ReportVmEventCmd(vmUuid: vm)) }

    func state(_ state: String) -> VMEventReport {
        .state(KVM.ReportVmStateCmd(hostUuid: hostUuid, vmUuid: vm, vmState: state))
    }

    @Test("a guest shutdown: /kvm/reportvmshutdown, plus /from/guest when the guest asked; then the stop")
    func shutdown() {
        let reports = VMEventReports(expected: ExpectedEvents())
        #expect(reports.reports(for: lifecycle(.shutdown, DomainLifecycleEvent.ShutdownDetail.guest), hostUuid: hostUuid)
            == [event("/kvm/reportvmshutdown"), event("/kvm/reportvmshutdown/from/guest")])
        #expect(reports.reports(for: lifecycle(.stopped, 0), hostUuid: hostUuid) == [state("Shutdown")])
        #expect(reports.reports(for: lifecycle(.shutdown, DomainLifecycleEvent.ShutdownDetail.host), hostUuid: hostUuid)
            == [event("/kvm/reportvmshutdown")])
        #expect(reports.reports(for: lifecycle(.shutdown, DomainLifecycleEvent.ShutdownDetail.finished), hostUuid: hostUuid)
            == [event("/kvm/reportvmshutdown")])
    }

    @Test("the agent's own graceful stop: the shutdown events still go out, as Python sends them; the stop does not")
    func ownStop() async throws {
        let expected = ExpectedEvents()
        let reports = VMEventReports(expected: expected)
        try await expected.expecting(vm, .stopped) {}
        #expect(reports.reports(for: lifecycle(.shutdown, DomainLifecycleEvent.ShutdownDetail.guest), hostUuid: hostUuid)
            == [event("/kvm/reportvmshutdown"), event("/kvm/reportvmshutdown/from/guest")])
        #expect(reports.reports(for: lifecycle(.stopped, 0), hostUuid: hostUuid) == [])
    }

    @Test("a guest panic: the Crashed state, then /kvm/reportvmcrash")
    func crash() {
        let reports = VMEventReports(expected: ExpectedEvents())
        #expect(reports.reports(for: lifecycle(.crashed, 0), hostUuid: hostUuid)
            == [state("Crashed"), event("/kvm/reportvmcrash")])
    }

    @Test("a guest reset: reported once; resets in the quiet period that follows are not")
    func guestReboot() {
        let reports = VMEventReports(expected: ExpectedEvents())
        #expect(reports.reports(for: reboot, hostUuid: hostUuid) == [event("/kvm/reportvmreboot")])
        #expect(reports.reports(for: reboot, hostUuid: hostUuid) == [])
        #expect(reports.reports(for: .reboot(domainName: "other-vm", domainUUID: ""), hostUuid: hostUuid)
            == [.event(path: "/kvm/reportvmreboot", KVM.ReportVmEventCmd(vmUuid: "other-vm"))])
    }

    @Test("without a quiet period every reset is reported")
    func noQuietPeriod() {
        let reports = VMEventReports(expected: ExpectedEvents(rebootQuiet: .zero))
        #expect(reports.reports(for: reboot, hostUuid: hostUuid) == [event("/kvm/reportvmreboot")])
        #expect(reports.reports(for: reboot, hostUuid: hostUuid) == [event("/kvm/reportvmreboot")])
    }

    @Test("the agent's own reboot is not reported; a failed one, or the agent's next operation, ends the quiet period")
    func ownReboot() async throws {
        struct Failure: Error {}
        let expected = ExpectedEvents()
        let reports = VMEventReports(expected: expected)
        try await expected.rebooting(vm) {}
        #expect(reports.reports(for: reboot, hostUuid: hostUuid) == [])

        try await expected.expecting(vm, .suspended) {}
        #expect(reports.reports(for: reboot, hostUuid: hostUuid) == [event("/kvm/reportvmreboot")])

        let afterFailure = ExpectedEvents()
        await #expect(throws: Failure.self) { try await afterFailure.rebooting(vm) { throw Failure() } }
        #expect(VMEventReports(expected: afterFailure).reports(for: reboot, hostUuid: hostUuid) == [event("/kvm/reportvmreboot")])
    }

    @Test("the agent's /vm/reboot holds back the reset it causes (its only event on qemu); one that failed does not")
    func vmServiceReboot() async throws {
        let files = VMServiceTests.Files()
        defer { files.remove() }
        let vms = try await VMServiceTests().service()
        let reports = VMEventReports(expected: vms.expectedEvents)
        let start = try VMServiceTests().command(files)
        let uuid = try #require(start.vmInstanceUuid)
        _ = try await vms.start(start)
        var reboot = KVM.RebootVmCmd()
        reboot.uuid = uuid
        _ = try await vms.reboot(reboot)
        #expect(reports.reports(for: .reboot(domainName: uuid, domainUUID: ""), hostUuid: hostUuid) == [])
        var destroy = KVM.DestroyVmCmd()
        destroy.uuid = uuid
        _ = try await vms.destroy(destroy)

        // Defined but not running: the test driver refuses to reboot it, so no reset is coming.
        let idle = try VMServiceTests().command(files)
        let name = try #require(idle.vmInstanceUuid)
        let domain = try await vms.connection.defineDomain(xml: try DomainXMLBuilder(domainType: "test").build(idle))
        defer { domain.close() }
        reboot.uuid = name
        await #expect(throws: (any Error).self) { try await vms.reboot(reboot) }
        #expect(reports.reports(for: .reboot(domainName: name, domainUUID: ""), hostUuid: hostUuid)
            == [.event(path: "/kvm/reportvmreboot", KVM.ReportVmEventCmd(vmUuid: name))])
        try await domain.undefine()
    }
}
