import AgentWire
import Foundation
import KVMAgent
import Libvirt
import Testing

/// Device addresses and the 5.x MN's commands for a running VM, over HTTP on the test driver. Each reply is
/// checked for the fields `KVMHost.java` and `VirtualPciDeviceKvmExtensionPoint.java` read, and against the
/// live domain through a second libvirt connection.
@Suite("Device addresses and online VM commands over HTTP", .timeLimit(.minutes(2)))
struct DeviceAddressHTTPTests {
    static let memoryBalloonUuid = "4780bf6d2fa65700f22e36c27e8ff05c"

    func liveXML(_ agent: KVMAgentHarness, _ uuid: String) async throws -> XMLQuery {
        let domain = try #require(try await agent.libvirt.domain(named: uuid))
        defer { domain.close() }
        return try XMLQuery(try await domain.xml())
    }

    @Test("/vm/start answers every NIC, disk and the balloon with the address libvirt holds; sync/vm/deviceinfo the same")
    func startReportsAddresses() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            let started = try await agent.call("/vm/start", try agent.zstack5Start(uuid: uuid), as: KVM.StartVmResponse.self)
            #expect(started.success, "\(started.error ?? "")")
            let xml = try await liveXML(agent, uuid)

            // KVMHost.java calls getDeviceAddress().toString() on each NIC info: it must be there, with a slot.
            let nics = try #require(started.nicInfos)
            #expect(nics.map(\.macAddress) == ["fa:a3:5c:1e:7b:00", "fa:a3:5c:1e:7b:01"])
            #expect(nics.map { $0.deviceAddress?.slot } == (try xml.values("/domain/devices/interface/address/@slot")).map { $0 })
            #expect(nics.allSatisfy { $0.deviceAddress?.type == "pci" && $0.deviceAddress?.bus == "0x00" })

            let disks = try #require(started.virtualDeviceInfoList)
            let root = try #require(disks.first { $0.resourceUuid == "8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c" })
            #expect(root.deviceAddress?.slot == (try xml.value("/domain/devices/disk[serial='8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c']/address/@slot")))
            // CD-ROMs sit where the Python agent puts hdc and hdd on a pc machine.
            let cdroms = disks.filter { $0.deviceAddress?.type == "drive" }
            #expect(cdroms.map { "\($0.deviceAddress?.bus ?? ""):\($0.deviceAddress?.unit ?? "")" } == ["0:1", "1:0"])

            // VirtualPciDeviceKvmExtensionPoint reads memBalloonInfo.deviceAddress unconditionally.
            #expect(started.memBalloonInfo?.deviceAddress?.slot == "0x04")
            #expect(try xml.value("/domain/devices/memballoon/address/@slot") == "0x04")
            #expect(started.virtualizerInfo?.uuid == uuid && started.virtualizerInfo?.virtualizer == "qemu-kvm")
            #expect(started.virtualizerInfo?.version?.isEmpty == false)

            // No two devices share a slot.
            let slots = try xml.values("/domain/devices/*/address[@type='pci']/@slot")
            #expect(Set(slots).count == slots.count && !slots.isEmpty)

            var sync = KVM.SyncVmDeviceInfoCmd()
            sync.vmInstanceUuid = uuid
            let synced = try await agent.call("/sync/vm/deviceinfo", sync, as: KVM.SyncVmDeviceInfoResponse.self)
            #expect(synced.success && synced.nicInfos == started.nicInfos
                && synced.virtualDeviceInfoList == started.virtualDeviceInfoList && synced.memBalloonInfo == started.memBalloonInfo)
            sync.vmInstanceUuid = "no-such-vm"
            #expect(try await agent.call("/sync/vm/deviceinfo", sync, as: KVM.SyncVmDeviceInfoResponse.self).error?.contains("not on this host") == true)
        }
    }

    @Test("addresses the MN recorded come back on the next start, the others fill the lowest free slots")
    func recordedAddressesAreKept() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            // As the MN sends them after a first start: the root disk and the balloon recorded, the NICs not.
            let body = try agent.zstack5Start(uuid: uuid) { json in
                json = json.replacingOccurrences(of: #""useVirtioSCSI":false,"shareable":false,"cacheMode":"none","#,
                                                 with: #""useVirtioSCSI":false,"shareable":false,"cacheMode":"none","deviceAddress":{"type":"pci","domain":"0x0000","bus":"0x00","slot":"0x0a","function":"0x0"},"#)
                    .replacingOccurrences(of: #""memBalloon":{"resourceUuid":"4780bf6d2fa65700f22e36c27e8ff05c"}"#,
                                          with: #""memBalloon":{"resourceUuid":"4780bf6d2fa65700f22e36c27e8ff05c","deviceAddress":{"type":"pci","domain":"0x0000","bus":"0x00","slot":"0x07","function":"0x0"}}"#)
            }
            let started = try await agent.call("/vm/start", body, as: KVM.StartVmResponse.self)
            #expect(started.success, "\(started.error ?? "")")
            let xml = try await liveXML(agent, uuid)
            #expect(try xml.value("/domain/devices/disk[serial='8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c']/address/@slot") == "0x0a")
            #expect(try xml.value("/domain/devices/memballoon/address/@slot") == "0x07")
            #expect(started.memBalloonInfo?.deviceAddress?.slot == "0x07")
            // Data disk, then the NICs, in the lowest slots the recorded ones left free.
            #expect(try xml.value("/domain/devices/disk[serial='d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1']/address/@slot") == "0x03")
            #expect(try xml.values("/domain/devices/interface/address/@slot") == ["0x04", "0x05"])

            // The same command builds the same domain: a stop and start keeps every address.
            var stop = KVM.StopVmCmd()
            stop.uuid = uuid
            stop.type = "cold"
            #expect(try await agent.call("/vm/stop", stop, as: EmptyReply.self).success)
            let again = try await agent.call("/vm/start", body, as: KVM.StartVmResponse.self)
            #expect(again.nicInfos == started.nicInfos && again.virtualDeviceInfoList == started.virtualDeviceInfoList)
        }
    }

    @Test("/vm/getdeviceaddress answers each volume's guest-visible PCI address; other types get none")
    func deviceAddress() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            #expect(try await agent.call("/vm/start", try agent.zstack5Start(uuid: uuid), as: KVM.StartVmResponse.self).success)
            let slot = try #require(try await liveXML(agent, uuid).value("/domain/devices/disk[serial='d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1']/address/@slot"))
            let body = #"{"uuid":"\#(uuid)","deviceTOs":{"VolumeVO":[{"installPath":"/ignored","deviceId":1,"volumeUuid":"d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1","useVirtio":true}],"VmNicVO":[{"mac":"fa:a3:5c:1e:7b:00"}]}}"#
            let reply = try await agent.call("/vm/getdeviceaddress", try WireJSON.decode(JSONValue.self, from: Array(body.utf8)),
                                             as: KVM.GetVmDeviceAddressRsp.self)
            #expect(reply.success, "\(reply.error ?? "")")
            let volume = try #require(reply.addresses?["VolumeVO"]?.first)
            #expect(volume.addressType == "pci" && volume.deviceType == "disk" && volume.uuid == "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1")
            #expect(volume.address == "0000:00:\(slot.dropFirst(2)).0")
            #expect(reply.addresses?["VmNicVO"] == [])
        }
    }

    @Test("/vm/increase/cpu sets vCPUs live and in the definition; beyond the maximum it says why; memory hot-plug fails clearly")
    func increaseCPUAndMemory() async throws {
        try await KVMAgentHarness.with { agent in
            var start = try agent.minimalStart()
            start.cpuNum = 1
            start.maxVcpuNum = 4
            start.instanceOfferingOnlineChange = true
            let uuid = try #require(start.vmInstanceUuid)
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            let domain = try #require(try await agent.libvirt.domain(named: uuid))
            defer { domain.close() }
            #expect(try await domain.info().virtualCPUs == 1)

            var increase = KVM.IncreaseCpuCmd()
            increase.vmUuid = uuid
            increase.cpuNum = 3
            let increased = try await agent.call("/vm/increase/cpu", increase, as: KVM.IncreaseCpuResponse.self)
            #expect(increased.success && increased.cpuNum == 3, "\(increased.error ?? "")")
            #expect(try await domain.info().virtualCPUs == 3)
            #expect(try XMLQuery(try await domain.xml(inactive: true)).value("/domain/vcpu/@current") == "3")

            increase.cpuNum = 9
            let refused = try await agent.call("/vm/increase/cpu", increase, as: KVM.IncreaseCpuResponse.self)
            #expect(!refused.success && refused.error?.contains("cannot set 9 vCPUs") == true)
            #expect(try await domain.info().virtualCPUs == 3)

            var memory = KVM.IncreaseMemoryCmd()
            memory.vmUuid = uuid
            memory.memorySize = (start.memory ?? 0) * 2
            let grown = try await agent.call("/vm/increase/mem", memory, as: KVM.IncreaseMemoryResponse.self)
            #expect(!grown.success && grown.error?.contains("cannot hot-plug") == true && grown.error?.contains("test:///default") == true)
            memory.memorySize = start.memory
            let same = try await agent.call("/vm/increase/mem", memory, as: KVM.IncreaseMemoryResponse.self)
            #expect(same.success && same.memorySize == start.memory)
            memory.memorySize = (start.memory ?? 0) / 2
            #expect(try await agent.call("/vm/increase/mem", memory, as: KVM.IncreaseMemoryResponse.self).error?.contains("can only add memory") == true)
        }
    }

    @Test("ISO, NIC update and link state: the test driver cannot change devices, and says so; bad input is refused")
    func deviceUpdates() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            #expect(try await agent.call("/vm/start", try agent.zstack5Start(uuid: uuid), as: KVM.StartVmResponse.self).success)
            let before = try await liveXML(agent, uuid).values("/domain/devices/disk[@device='cdrom']/source/@file")

            var attach = KVM.AttachIsoCmd()
            attach.vmUuid = uuid
            attach.iso = KVM.IsoTO()
            attach.iso?.path = try agent.file("other.iso")
            attach.iso?.deviceId = 1
            attach.iso?.imageUuid = "img-2"
            let attached = try await agent.call("/vm/iso/attach", attach, as: EmptyReply.self)
            #expect(!attached.success && attached.error?.contains("attach iso img-2") == true
                && attached.error?.contains("does not support it") == true)
            attach.iso?.deviceId = 5
            #expect(try await agent.call("/vm/iso/attach", attach, as: EmptyReply.self).error?.contains("deviceId 5 is not 0, 1 or 2") == true)
            attach.iso?.path = "/etc/shadow"
            attach.iso?.deviceId = 1
            #expect(try await agent.call("/vm/iso/attach", attach, as: EmptyReply.self).error?.contains("outside the storage roots") == true)

            var detach = KVM.DetachIsoCmd()
            detach.vmUuid = uuid
            detach.deviceId = 0
            #expect(try await agent.call("/vm/iso/detach", detach, as: EmptyReply.self).error?.contains("does not support it") == true)
            #expect(try await liveXML(agent, uuid).values("/domain/devices/disk[@device='cdrom']/source/@file") == before)

            var state = KVM.ChangeVmNicStateCommand()
            state.vmUuid = uuid
            state.state = "disable"
            state.nic = StartVmFixtures.nic(mac: "fa:a3:5c:1e:7b:00", bridge: "br_eth0_100", tap: "vnic42.0")
            #expect(try await agent.call("/vm/changenicstate", state, as: EmptyReply.self).error?.contains("set the link of nic fa:a3:5c:1e:7b:00 down") == true)
            state.state = "off"
            #expect(try await agent.call("/vm/changenicstate", state, as: EmptyReply.self).error?.contains("not enable or disable") == true)
            state.state = "enable"
            state.vmUuid = "gone-vm"
            #expect(try await agent.call("/vm/changenicstate", state, as: EmptyReply.self).success)

            var update = KVM.UpdateNicCmd()
            update.vmInstanceUuid = uuid
            update.nics = [StartVmFixtures.nic(mac: "fa:a3:5c:1e:7b:01", bridge: "br_eth2", tap: "vnic42.1")]
            #expect(try await agent.call("/vm/updatenic", update, as: EmptyReply.self).error?.contains("update nic fa:a3:5c:1e:7b:01") == true)
            #expect(try await liveXML(agent, uuid).values("/domain/devices/interface/source/@bridge") == ["br_eth0_100", "br_eth1"])
        }
    }

    @Test("/vm/priority sets the qemu process's OOM score and names what the driver refused")
    func priority() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            let start = try agent.minimalStart(name: uuid)
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            // A process standing for the VM's qemu, with the pid file libvirt would write. A raised score:
            // lowering one needs CAP_SYS_RESOURCE, which a container may not grant.
            let qemu = Process()
            qemu.executableURL = URL(fileURLWithPath: "/bin/sleep")
            qemu.arguments = ["60"]
            try qemu.run()
            defer { qemu.terminate() }
            let run = agent.directory.appendingPathComponent("qemu-run")
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try "\(qemu.processIdentifier)\n".write(to: run.appendingPathComponent("\(uuid).pid"), atomically: true, encoding: .utf8)

            let body = #"{"priorityConfigStructs":[{"vmUuid":"\#(uuid)","cpuShares":512,"oomScoreAdj":500},{"vmUuid":"no-pid-vm","cpuShares":0,"oomScoreAdj":0},{"vmUuid":"../../../tmp/x","oomScoreAdj":1}]}"#
            let reply = try await agent.call("/vm/priority", try WireJSON.decode(JSONValue.self, from: Array(body.utf8)), as: EmptyReply.self)
            let score = try String(contentsOfFile: "/proc/\(qemu.processIdentifier)/oom_score_adj", encoding: .utf8)
            #expect(score.trimmingCharacters(in: .whitespacesAndNewlines) == "500", "\(reply.error ?? "")")
            #expect(!reply.success)
            #expect(reply.error?.contains("vm \(uuid): cannot set cpu_shares 512") == true)
            #expect(reply.error?.contains("vm no-pid-vm: no qemu process") == true)
            #expect(reply.error?.contains("cpuShares must be positive") == true)
            #expect(reply.error?.contains("vmUuid '../../../tmp/x' is not a VM uuid") == true)
        }
    }

    @Test("/vm/volumesync reports a file no running domain uses only on the second sync; roots are enforced")
    func volumeSync() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            let volumes = agent.directory.appendingPathComponent("volumes")
            try FileManager.default.createDirectory(at: volumes, withIntermediateDirectories: true)
            let used = volumes.appendingPathComponent("used.qcow2").path
            let leaked = volumes.appendingPathComponent("leaked.qcow2").path
            #expect(FileManager.default.createFile(atPath: used, contents: Data()))
            #expect(FileManager.default.createFile(atPath: leaked, contents: Data()))
            var start = StartVmFixtures.minimal(name: uuid)
            start.rootVolume?.installPath = used
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)

            var sync = KVM.VolumeSyncCmd()
            sync.storagePaths = ["file://" + volumes.path, "file://" + volumes.path + "/lea*", "ceph://pool"]
            let first = try await agent.call("/vm/volumesync", sync, as: KVM.VolumeSyncRsp.self)
            #expect(first.success && (first.inactiveVolumePaths ?? [:]).isEmpty, "\(first.error ?? "")")
            let second = try await agent.call("/vm/volumesync", sync, as: KVM.VolumeSyncRsp.self)
            #expect(second.inactiveVolumePaths == ["file://" + volumes.path: [leaked], "file://" + volumes.path + "/lea*": [leaked]])

            sync.storagePaths = ["file:///etc"]
            #expect(try await agent.call("/vm/volumesync", sync, as: KVM.VolumeSyncRsp.self).error?.contains("outside the storage roots") == true)
        }
    }
}
