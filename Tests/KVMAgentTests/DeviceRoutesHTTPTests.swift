import AgentWire
import Foundation
import KVMAgent
import Libvirt
import Testing

/// Device, sizing and migration commands over HTTP on the test driver. What the test driver cannot do
/// (hot-plug, migration) must come back as a clear in-band error, with the VM left as it was.
@Suite("VM device commands over HTTP on the test driver", .timeLimit(.minutes(2)))
struct DeviceRoutesHTTPTests {
    @Test("hot-plug and migration answer clearly on the test driver; cpu/memory change is applied")
    func devices() async throws {
        try await KVMAgentHarness.with { agent in
            var start = try agent.minimalStart()
            start.maxVcpuNum = 4
            let uuid = try #require(start.vmInstanceUuid)
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)

            var attach = KVM.AttachNicCommand()
            attach.vmUuid = uuid
            attach.nic = StartVmFixtures.nic(mac: "52:54:00:aa:bb:02", bridge: "br_eth1", tap: "vnic12.1")
            let attached = try await agent.call("/vm/attachnic", attach, as: KVM.VirtualDeviceInfoResponse.self)
            let domain = try #require(try await agent.libvirt.domain(named: uuid))
            defer { domain.close() }
            #expect(!attached.success)
            #expect(attached.error?.contains("attach nic 52:54:00:aa:bb:02") == true)
            #expect(attached.error?.contains("does not support it") == true)
            #expect(try XMLQuery(try await domain.xml()).values("/domain/devices/interface/mac/@address") == ["52:54:00:aa:bb:01"])
            var detach = KVM.DetachNicCommand()
            detach.vmUuid = uuid
            detach.nic = start.nics?.first
            #expect(try await agent.call("/vm/detachnic", detach, as: EmptyReply.self).error?.contains("does not support it") == true)

            var volume = KVM.AttachDataVolumeCmd()
            volume.vmInstanceUuid = uuid
            volume.volume = StartVmFixtures.volume("/nonexistent/data.qcow2", deviceId: 1, uuid: "data-1")
            let missingVolume = try await agent.call("/vm/attachdatavolume", volume, as: KVM.VirtualDeviceInfoResponse.self)
            #expect(missingVolume.error?.contains("/nonexistent/data.qcow2") == true)

            var migrate = KVM.MigrateVmCmd()
            migrate.vmUuid = uuid
            migrate.destHostIp = "127.0.0.2"
            migrate.storageMigrationPolicy = "FullCopy"
            let migrated = try await agent.call("/vm/migrate", migrate, as: EmptyReply.self)
            #expect(!migrated.success)
            #expect(migrated.error?.contains("does not support migration") == true)
            #expect(try await domain.state().state == .running)
            migrate.destHostIp = "10.0.0.2/system?x"
            #expect(try await agent.call("/vm/migrate", migrate, as: EmptyReply.self).error?.contains("destHostIp") == true)

            var cancel = KVM.CancelCmd()
            cancel.cancellationApiId = "no-such-api"
            #expect(try await agent.call("/job/cancel", cancel, as: EmptyReply.self).success)

            var change = KVM.ChangeCpuMemoryCmd()
            change.vmUuid = uuid
            change.cpuNum = 1
            change.memorySize = 256 * 1024 * 1024
            let changed = try await agent.call("/vm/online/changecpumem", change, as: KVM.ChangeCpuMemoryResponse.self)
            let info = try await domain.info()
            #expect(changed.success && changed.cpuNum == 1 && info.virtualCPUs == 1)
            #expect(changed.memorySize == 256 * 1024 * 1024 && info.memoryKiB == 262_144)

            // The builder asks for an automatic port, which the test driver never assigns.
            var vnc = KVM.GetVncPortCmd()
            vnc.vmUuid = uuid
            #expect(try await agent.call("/vm/getvncport", vnc, as: KVM.GetVncPortResponse.self).error?.contains("no VNC or SPICE port") == true)

            var destroy = KVM.DestroyVmCmd()
            destroy.uuid = uuid
            #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)
        }
    }

    @Test("getvncport answers the port libvirt has for the VM")
    func vncPort() async throws {
        try await KVMAgentHarness.with { agent in
            let name = KVMAgentHarness.uniqueUUID()
            let domain = try await agent.libvirt.defineDomain(xml: """
                <domain type='test'><name>\(name)</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>\
                <os><type arch='x86_64'>hvm</type></os><devices><graphics type='vnc' port='5907' autoport='no'/>\
                </devices></domain>
                """)
            try await domain.start()
            var vnc = KVM.GetVncPortCmd()
            vnc.vmUuid = name
            let reply = try await agent.call("/vm/getvncport", vnc, as: KVM.GetVncPortResponse.self)
            #expect(reply.port == 5907 && reply.vncPort == 5907 && reply.protocol == "vnc" && reply.spicePort == nil)
            try await domain.destroy()
            try await domain.undefine()
        }
    }
}
