import AgentClient
import AgentWire
import Foundation
import KVMAgent
import Libvirt
import Testing

/// `/vm/*` through real HTTP, as the MN sends them, on libvirt's test driver; every step is checked in
/// libvirt through a second connection, not in the reply alone.
@Suite("VM commands over HTTP on the test driver", .timeLimit(.minutes(2)))
struct VMRoutesHTTPTests {
    func state(_ agent: KVMAgentHarness, _ uuid: String) async throws -> DomainState? {
        guard let domain = try await agent.libvirt.domain(named: uuid) else { return nil }
        defer { domain.close() }
        return try await domain.state().state
    }

    @Test("a ZStack 5.x start, then pause, resume, reboot, stop, start, destroy: libvirt after each, no reports")
    func lifecycle() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            let started = try await agent.call("/vm/start", try agent.zstack5Start(uuid: uuid), as: KVM.StartVmResponse.self)
            #expect(started.success, "\(started.error ?? "")")
            #expect(started.nicInfos?.map(\.macAddress) == ["fa:a3:5c:1e:7b:00", "fa:a3:5c:1e:7b:01"])
            // Every disk, CD-ROMs too (no serial, so no resource uuid), as the Python agent lists them.
            #expect(started.virtualDeviceInfoList?.map(\.resourceUuid)
                == ["8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c", "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1", nil, nil])

            let domain = try #require(try await agent.libvirt.domain(named: uuid))
            defer { domain.close() }
            #expect(try await domain.state().state == .running)
            let info = try await domain.info()
            #expect(info.virtualCPUs == 4)
            #expect(info.maxMemoryKiB == 2_097_152)
            let xml = try XMLQuery(try await domain.xml())
            #expect(try xml.values("/domain/devices/disk[@device='disk']/source/@file | /domain/devices/disk[@device='disk']/source/@dev")
                == [agent.directory.appendingPathComponent("root.qcow2").path, agent.directory.appendingPathComponent("data-1.raw").path])
            #expect(try xml.values("/domain/devices/disk[@device='disk']/target/@dev") == ["vda", "vdb"])
            #expect(try xml.values("/domain/devices/interface/mac/@address") == ["fa:a3:5c:1e:7b:00", "fa:a3:5c:1e:7b:01"])
            #expect(try xml.values("/domain/devices/interface/target/@dev") == ["vnic42.0", "vnic42.1"])
            let zstack = "/domain/metadata/*[local-name()='zstack']"
            #expect(try xml.value("\(zstack)/internalId") == "42")
            #expect(try xml.value("\(zstack)/hostManagementIp") == "172.20.0.11")

            var pause = KVM.PauseVmCmd()
            pause.uuid = uuid
            #expect(try await agent.call("/vm/pause", pause, as: EmptyReply.self).success)
            #expect(try await state(agent, uuid) == .paused)
            #expect(try await agent.call("/vm/vmsync", EmptyCommand(), as: KVM.VmSyncResponse.self).states?[uuid] == "Paused")
            #expect(try await agent.call("/vm/resume", pause, as: EmptyReply.self).success)
            #expect(try await state(agent, uuid) == .running)
            var reboot = KVM.RebootVmCmd()
            reboot.uuid = uuid
            #expect(try await agent.call("/vm/reboot", reboot, as: KVM.RebootVmResponse.self).success)
            #expect(try await state(agent, uuid) == .running)
            var check = KVM.CheckVmStateCmd()
            check.vmUuids = [uuid]
            #expect(try await agent.call("/vm/checkstate", check, as: KVM.CheckVmStateRsp.self).states == [uuid: "Running"])

            var stop = KVM.StopVmCmd()
            stop.uuid = uuid
            stop.type = "grace"
            stop.timeout = 4
            #expect(try await agent.call("/vm/stop", stop, as: EmptyReply.self).success)
            #expect(try await state(agent, uuid) == nil)
            #expect(try await agent.call("/vm/vmsync", EmptyCommand(), as: KVM.VmSyncResponse.self).states?[uuid] == nil)

            #expect(try await agent.call("/vm/start", try agent.zstack5Start(uuid: uuid), as: KVM.StartVmResponse.self).success)
            #expect(try await state(agent, uuid) == .running)
            var destroy = KVM.DestroyVmCmd()
            destroy.uuid = uuid
            #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)
            #expect(try await state(agent, uuid) == nil)

            // libvirt delivers events in order: once a change made behind the agent's back is reported,
            // any report caused by the agent's own operations above would already have arrived.
            let marker = try await Self.defineAndStart(on: agent.libvirt, name: "marker-" + KVMAgentHarness.uniqueUUID())
            #expect(try await agent.nextStateReport(for: marker.name).vmState == "Running")
            #expect(try agent.stateReports(for: uuid) == [])
            try await marker.destroy()
            try await marker.undefine()
        }
    }

    @Test("changes behind the agent's back show in vmsync and are reported to the MN")
    func behindTheBack() async throws {
        try await KVMAgentHarness.with { agent in
            let domain = try await Self.defineAndStart(on: agent.libvirt, name: "outside-" + KVMAgentHarness.uniqueUUID())
            let started = try await agent.nextStateReport(for: domain.name)
            #expect(started.vmState == "Running" && started.hostUuid == KVMAgentHarness.hostUuid)
            #expect(try await agent.call("/vm/vmsync", EmptyCommand(), as: KVM.VmSyncResponse.self).states?[domain.name] == "Running")

            try await domain.suspend()
            #expect(try await agent.nextStateReport(for: domain.name).vmState == "Paused")
            #expect(try await agent.call("/vm/vmsync", EmptyCommand(), as: KVM.VmSyncResponse.self).states?[domain.name] == "Paused")

            try await domain.destroy()
            #expect(try await agent.nextStateReport(for: domain.name).vmState == "Shutdown")
            // Still defined but no longer active: vmsync, like the Python agent's, lists active domains only.
            #expect(try await agent.call("/vm/vmsync", EmptyCommand(), as: KVM.VmSyncResponse.self).states?[domain.name] == nil)
            try await domain.undefine()
        }
    }

    @Test("unknown VMs, bad volumes and missing fields: clear in-band answers, nothing left defined")
    func badInput() async throws {
        try await KVMAgentHarness.with { agent in
            var destroy = KVM.DestroyVmCmd()
            destroy.uuid = KVMAgentHarness.uniqueUUID()
            #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)

            let uuid = KVMAgentHarness.uniqueUUID()
            var start = try agent.zstack5Start(uuid: uuid)
            if case var .object(fields) = start, case var .object(root)? = fields["rootVolume"] {
                root["installPath"] = .string("/nonexistent/zstack/root.qcow2")
                fields["rootVolume"] = .object(root)
                start = .object(fields)
            }
            let badPath = try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self)
            #expect(!badPath.success)
            #expect(badPath.error?.contains("/nonexistent/zstack/root.qcow2") == true)
            #expect(try await state(agent, uuid) == nil)

            let missing = try await agent.call("/vm/start", ["vmInstanceUuid": uuid, "cpuNum": "2"], as: KVM.StartVmResponse.self)
            #expect(!missing.success)
            #expect(missing.error?.contains("memory") == true)
            #expect(try await state(agent, uuid) == nil)

            var pause = KVM.PauseVmCmd()
            pause.uuid = uuid
            let absent = try await agent.call("/vm/pause", pause, as: EmptyReply.self)
            #expect(!absent.success && absent.error?.contains("not on this host") == true)
        }
    }

    static func defineAndStart(on connection: LibvirtConnection, name: String) async throws -> LibvirtDomain {
        var command = StartVmFixtures.minimal(name: name)
        command.nics = []
        let domain = try await connection.defineDomain(xml: try DomainXMLBuilder(domainType: "test").build(command))
        try await domain.start()
        return domain
    }
}
