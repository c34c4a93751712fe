import AgentWire
import Foundation
@testable import KVMAgent
import Libvirt
import TestSupport
import Testing

/// The snapshot paths on a running VM, and hostile snapshot commands. libvirt's test driver refuses
/// external disk-only snapshots ("unsupported flags (0x94) in function testDomainSnapshotCreateXML") and
/// has no block jobs (`virDomainBlockRebase`, `virDomainBlockCommit`: not supported): the agent must say so
/// in-band, and leave the VM and its files as they were.
@Suite("Volume snapshots of running VMs on the test driver, and hostile snapshot commands", .timeLimit(.minutes(3)))
struct LiveVolumeSnapshotTests {
    static let volumeUuid = VolumeSnapshotRoutesHTTPTests.volumeUuid

    @Test("a running VM's snapshot, merge and commit answer the driver's limits; nothing changes")
    func liveOnTheTestDriver() async throws {
        try await KVMAgentHarness.with { agent in
            let paths = VolumeSnapshotRoutesHTTPTests.Layout(agent)
            let s1 = paths.snapshots + "/s1.qcow2"
            try await ImageChain.create([paths.template, s1, paths.volume])
            var start = StartVmFixtures.minimal(name: KVMAgentHarness.uniqueUUID())
            start.rootVolume?.installPath = paths.volume
            let vm = try #require(start.vmInstanceUuid)
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            let domain = try #require(try await agent.libvirt.domain(named: vm))
            defer { domain.close() }
            let diskSource = "/domain/devices/disk[target/@dev='vda']/source/@file"

            let overlay = paths.root + "/rootVolumes/acct-1/vol-1/live/s2.qcow2"
            let snapshot = try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                vm: vm, online: true, volume: paths.volume, volumeUuid: Self.volumeUuid, installPath: overlay, full: false),
                as: KVM.TakeSnapshotResponse.self)
            #expect(!snapshot.success && snapshot.newVolumeInstallPath == nil && snapshot.snapshotInstallPath == nil)
            #expect(snapshot.error?.contains("the libvirt driver test:///default does not support external disk-only snapshots") == true,
                    "\(snapshot.error ?? "")")
            #expect(!FileManager.default.fileExists(atPath: overlay))
            #expect(!FileManager.default.fileExists(atPath: (overlay as NSString).deletingLastPathComponent))
            #expect(try XMLQuery(try await domain.xml()).value(diskSource) == paths.volume)

            // A full snapshot of a chain pulls it into the top first: a block job.
            let full = try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                vm: vm, online: true, volume: paths.volume, volumeUuid: Self.volumeUuid, installPath: overlay, full: true),
                as: KVM.TakeSnapshotResponse.self)
            #expect(full.error?.contains("does not support block jobs") == true, "\(full.error ?? "")")

            let offline = try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                vm: vm, online: false, volume: paths.volume, volumeUuid: Self.volumeUuid, installPath: overlay, full: false),
                as: KVM.TakeSnapshotResponse.self)
            #expect(offline.error?.contains("vm \(vm) is Running on this host, but the management node asked for an offline snapshot") == true,
                    "\(offline.error ?? "")")

            let merge = try await agent.call("/vm/volume/mergesnapshot", try SnapshotBodies.mergeSnapshot(
                vm: vm, volume: paths.volume, volumeUuid: Self.volumeUuid, srcPath: paths.template, full: false), as: EmptyReply.self)
            #expect(merge.error?.contains("the libvirt driver test:///default does not support block jobs") == true, "\(merge.error ?? "")")

            let commit = try await agent.call("/vm/volume/blockcommit", try SnapshotBodies.blockCommit(
                vm: vm, volume: paths.volume, volumeUuid: Self.volumeUuid, top: paths.volume, base: s1),
                as: KVM.BlockCommitVolumeResponse.self)
            #expect(!commit.success && commit.newVolumeInstallPath == nil)
            #expect(commit.error?.contains("does not support block jobs") == true, "\(commit.error ?? "")")
            #expect(try await ImageChain.backingChain(paths.volume) == [paths.volume, s1, paths.template])
            #expect(try await ImageChain.reads(s1, byte: ImageChain.pattern(2), block: 2) == false)

            // The check reads the running VM's disk and the files.
            let chain = [paths.template: 0, s1: 1, paths.volume: 2]
            let check = try await agent.call("/vm/volume/checksnapshot", try SnapshotBodies.checkSnapshot(
                vm: vm, volumeUuid: Self.volumeUuid, current: paths.volume, chain: chain, exclude: []), as: EmptyReply.self)
            #expect(check.success, "\(check.error ?? "")")
            let wrongTop = try await agent.call("/vm/volume/checksnapshot", try SnapshotBodies.checkSnapshot(
                vm: vm, volumeUuid: Self.volumeUuid, current: paths.volume, chain: [paths.template: 0, s1: 1], exclude: []),
                as: EmptyReply.self)
            #expect(wrongTop.error?.contains("with install path \(s1) on vm \(vm). Please check the volume's top layer") == true,
                    "\(wrongTop.error ?? "")")

            #expect(try XMLQuery(try await domain.xml()).value(diskSource) == paths.volume)
            #expect(try await domain.state().state == .running)
            var destroy = KVM.DestroyVmCmd()
            destroy.uuid = vm
            #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)
        }
    }

    @Test("libvirt parses the snapshot XML: the disk by its target, every other disk left out")
    func snapshotXMLIsWhatLibvirtReads() async throws {
        try await KVMAgentHarness.with { agent in
            let paths = VolumeSnapshotRoutesHTTPTests.Layout(agent)
            try await ImageChain.create([paths.template, paths.volume])
            var start = StartVmFixtures.minimal(name: KVMAgentHarness.uniqueUUID())
            start.rootVolume?.installPath = paths.volume
            start.dataVolumes = [StartVmFixtures.volume(try agent.file("data.qcow2"), deviceId: 1, uuid: "data-1")]
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            let vm = try #require(start.vmInstanceUuid)
            let domain = try #require(try await agent.libvirt.domain(named: vm))
            defer { domain.close() }
            let disk = try await LiveDisk(reading: paths.volume, of: domain, driver: "test:///default", pollInterval: .milliseconds(10))
            #expect(disk.disk.target == "vda" && disk.allDisks.map(\.target) == ["vda", "vdb"])
            let xml = try disk.snapshotXML(overlay: paths.snapshots + "/o.qcow2")
            let query = try XMLQuery(xml)
            #expect(try query.values("/domainsnapshot/disks/disk[@snapshot='external']/source/@file") == [paths.snapshots + "/o.qcow2"])
            #expect(try query.values("/domainsnapshot/disks/disk[@snapshot='no']/@name") == ["vdb"])
            // Without the disk-only flags the test driver parses the XML and refuses only the mode: it found vda.
            await #expect {
                try await domain.createSnapshot(xml: xml, [])
            } throws: { error in
                (error as? LibvirtError)?.message.contains("disk 'vda' must use snapshot mode 'internal'") == true
            }
            #expect(try XMLQuery(try await domain.xml()).value("/domain/devices/disk[target/@dev='vda']/source/@file") == paths.volume)
            var destroy = KVM.DestroyVmCmd()
            destroy.uuid = vm
            #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)
        }
    }

    @Test("paths outside the storage roots, overwrites, internal snapshots and over-long chains are refused")
    func hostile() async throws {
        try await KVMAgentHarness.with { agent in
            let paths = VolumeSnapshotRoutesHTTPTests.Layout(agent)
            try await ImageChain.create([paths.template, paths.volume])
            func take(volume: String = paths.volume, installPath: String = paths.snapshots + "/s.qcow2",
                      newVolume: String? = nil) async throws -> KVM.TakeSnapshotResponse {
                try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                    vm: nil, online: false, volume: volume, volumeUuid: Self.volumeUuid, installPath: installPath,
                    full: false, newVolumeInstallPath: newVolume), as: KVM.TakeSnapshotResponse.self)
            }
            #expect(try await take(volume: "/etc/passwd").error?.contains("volumeInstallPath '/etc/passwd' is outside the storage roots") == true)
            let escape = paths.root + "/../escape.qcow2"
            #expect(try await take(installPath: paths.root + "/x", newVolume: escape).error?.contains("newVolumeInstallPath '\(escape)' is outside") == true)
            #expect(!FileManager.default.fileExists(atPath: (paths.root as NSString).deletingLastPathComponent + "/escape.qcow2"))

            let before = try await Program.md5(of: paths.template)
            #expect(try await take(newVolume: paths.template).error?.contains("\(paths.template) already exists; not overwriting it") == true)
            #expect(try await Program.md5(of: paths.template) == before)

            let same = paths.snapshots + "/same.qcow2"
            let collision = try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                vm: nil, online: false, volume: paths.volume, volumeUuid: Self.volumeUuid, installPath: same, full: true,
                newVolumeInstallPath: same), as: KVM.TakeSnapshotResponse.self)
            #expect(collision.error == "newVolumeInstallPath and installPath are both \(same)")
            #expect(!FileManager.default.fileExists(atPath: same))

            let missing = try await agent.call("/vm/volume/takesnapshot", KVM.TakeSnapshotCmd(), as: KVM.TakeSnapshotResponse.self)
            #expect(missing.error == "volumeInstallPath is missing")

            // A header pointing out of the roots is not followed.
            try await TemporaryDirectory.with("outside-roots") { outside in
                try await ImageChain.create(outside + "/base.qcow2")
                let foreign = paths.root + "/foreign.qcow2"
                try await ImageChain.create(foreign, backing: outside + "/base.qcow2")
                #expect(try await take(volume: foreign).error?.contains("leads to \(outside)/base.qcow2, outside the storage roots") == true)
            }

            try await Program.check(["qemu-img", "snapshot", "-c", "internal", paths.template])
            #expect(try await take().error?.contains("found internal snapshots (internal) in \(paths.template)") == true)
            try await Program.check(["qemu-img", "snapshot", "-d", "internal", paths.template])

            // 121 images: no further delta snapshot (ZStack's limit).
            let long = (0..<121).map { paths.root + "/long/\($0).qcow2" }
            for (index, path) in long.enumerated() { try await ImageChain.create(path, backing: index == 0 ? nil : long[index - 1]) }
            let refused = try await take(volume: long[120])
            #expect(refused.error?.contains("has reached the maximum length 121") == true, "\(refused.error ?? "")")
            let accepted = try await take(volume: long[119])
            #expect(accepted.success && accepted.snapshotInstallPath == long[119], "\(accepted.error ?? "")")
        }
    }
}
