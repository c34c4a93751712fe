import AgentWire
import Foundation
import HostSystem
import KVMAgent
import Libvirt
import Testing

/// VM commands run against libvirt's test driver; every check reads libvirt, not the reply alone.
@Suite("VM service on the libvirt test driver")
struct VMServiceTests {
    /// Temporary volume files so the agent's existence check passes; removed by `remove()`.
    struct Files {
        static let parent = FileManager.default.temporaryDirectory.appendingPathComponent("vmsvc-tests")
        let directory = Files.parent.appendingPathComponent(UUID().uuidString)

        func make(_ name: String) throws -> String {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent(name).path
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            return path
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    func service() async throws -> VMService {
        VMService(connection: try await LibvirtConnection.open(uri: "test:///default"),
                  builder: DomainXMLBuilder(domainType: "test"),
                  volumePaths: VolumePathPolicy(roots: try PermittedRoots([Files.parent.path], purpose: "test")),
                  undefineOptions: .metadata,
                  stopPollInterval: .milliseconds(10))
    }

    func command(_ files: Files) throws -> KVM.StartVmCmd {
        var command = StartVmFixtures.minimal(name: "svc-" + UUID().uuidString.prefix(13).lowercased())
        command.rootVolume?.installPath = try files.make("root.qcow2")
        return command
    }

    @Test("start, pause, resume, reboot, stop: libvirt's state after each")
    func lifecycle() async throws {
        let files = Files()
        defer { files.remove() }
        let vms = try await service()
        let start = try command(files)
        let uuid = try #require(start.vmInstanceUuid)

        let reply = try await vms.start(start)
        #expect(reply.nicInfos?.map(\.macAddress) == ["52:54:00:aa:bb:01"])
        #expect(reply.virtualDeviceInfoList?.map(\.resourceUuid) == ["root-uuid"])
        let domain = try #require(try await vms.connection.domain(named: uuid))
        #expect(try await domain.state().state == .running)
        #expect(try await domain.info().virtualCPUs == 2)
        #expect(try await domain.info().maxMemoryKiB == 524_288)

        _ = try await vms.start(start)  // a retried start leaves the running VM alone
        #expect(try await domain.state().state == .running)

        var pause = KVM.PauseVmCmd()
        pause.uuid = uuid
        _ = try await vms.pause(pause)
        #expect(try await domain.state().state == .paused)
        #expect(try await vms.sync().states?[uuid] == "Paused")
        _ = try await vms.resume(pause)
        #expect(try await domain.state().state == .running)
        var reboot = KVM.RebootVmCmd()
        reboot.uuid = uuid
        _ = try await vms.reboot(reboot)
        #expect(try await domain.state().state == .running)

        var stop = KVM.StopVmCmd()
        stop.uuid = uuid
        stop.timeout = 4
        _ = try await vms.stop(stop)
        #expect(try await vms.connection.domain(named: uuid) == nil)
        #expect(try await vms.sync().states?[uuid] == nil)
        _ = try await vms.stop(stop)  // already stopped: success
        await vms.connection.close()
    }

    @Test("destroy removes a running VM, and an unknown VM is success")
    func destroy() async throws {
        let files = Files()
        defer { files.remove() }
        let vms = try await service()
        let start = try command(files)
        _ = try await vms.start(start)
        var destroy = KVM.DestroyVmCmd()
        destroy.uuid = start.vmInstanceUuid
        _ = try await vms.destroy(destroy)
        #expect(try await vms.connection.domain(named: start.vmInstanceUuid ?? "") == nil)
        destroy.uuid = "0000dead0000dead0000dead0000dead"
        #expect(try await vms.destroy(destroy).success)
        await vms.connection.close()
    }

    @Test("a bad volume path or missing fields fail clearly and define nothing")
    func badStart() async throws {
        let files = Files()
        defer { files.remove() }
        let vms = try await service()
        var start = try command(files)
        start.rootVolume?.installPath = "/nonexistent/root.qcow2"
        let error = try await #require(throws: KVMAgentError.self) { try await vms.start(start) }
        #expect(error.description.contains("/nonexistent/root.qcow2"))
        #expect(try await vms.connection.domain(named: start.vmInstanceUuid ?? "") == nil)

        start = try command(files)
        start.memory = nil
        await #expect(throws: KVMAgentError.self) { try await vms.start(start) }
        #expect(try await vms.connection.domain(named: start.vmInstanceUuid ?? "") == nil)
        var pause = KVM.PauseVmCmd()
        pause.uuid = "0000beef0000beef0000beef0000beef"
        let missing = try await #require(throws: KVMAgentError.self) { try await vms.pause(pause) }
        #expect(missing.description.contains("not on this host"))
        await vms.connection.close()
    }

    @Test("vmsync and checkstate see domains changed behind the agent's back")
    func syncBehindTheBack() async throws {
        let vms = try await service()
        let other = try await LibvirtConnection.open(uri: "test:///default")
        let running = "sync-run-" + UUID().uuidString.prefix(8).lowercased()
        let paused = "sync-pause-" + UUID().uuidString.prefix(8).lowercased()
        let first = try await other.defineDomain(xml: try DomainXMLBuilder(domainType: "test")
            .build(StartVmFixtures.minimal(name: running)))
        try await first.start()
        let second = try await other.defineDomain(xml: try DomainXMLBuilder(domainType: "test")
            .build(StartVmFixtures.minimal(name: paused)))
        try await second.start()
        try await second.suspend()

        let states = try await vms.sync().states ?? [:]
        #expect(states[running] == "Running")
        #expect(states[paused] == "Paused")
        #expect(Set(states.values).isSubset(of: Set(KvmVmState.allCases.map(\.rawValue))))

        var check = KVM.CheckVmStateCmd()
        check.vmUuids = [running, paused, "absent-vm"]
        #expect(try await vms.checkState(check).states == [running: "Running", paused: "Paused", "absent-vm": "Shutdown"])

        for domain in [first, second] {
            try await domain.destroy()
            try await domain.undefine()
        }
        await other.close()
        await vms.connection.close()
    }
}
