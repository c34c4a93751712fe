import AgentWire
import Foundation
import TestSupport
import Testing

/// The snapshot paths for volumes of stopped VMs (and detached volumes) over HTTP, with the MN's bodies:
/// qemu-img really runs, and every effect is read back from the files (`qemu-img info --backing-chain`,
/// data blocks through `qemu-io`), never from the agent's word.
@Suite("Volume snapshots of stopped VMs over HTTP", .timeLimit(.minutes(3)))
struct VolumeSnapshotRoutesHTTPTests {
    /// A root volume on a template in the image cache, as local storage lays them out.
    struct Layout {
        let root: String
        let template: String
        let volume: String
        let snapshots: String

        init(_ agent: KVMAgentHarness) {
            root = agent.directory.path
            template = root + "/imagecache/template/t1/t1.qcow2"
            volume = root + "/rootVolumes/acct-1/vol-1/vol-1.qcow2"
            snapshots = root + "/rootVolumes/acct-1/vol-1/snapshots"
        }
    }

    static let volumeUuid = "8f1aa1c6a0d84d3c8a1b3d2e4f5a6b7c"

    @Test("delta snapshots freeze the top under a new one, the chain check agrees, a wrong chain is named")
    func deltaSnapshotsAndCheck() async throws {
        try await KVMAgentHarness.with { agent in
            let paths = Layout(agent)
            try await ImageChain.create([paths.template, paths.volume])
            let vm = KVMAgentHarness.uniqueUUID()  // stopped: no domain on this host

            let first = try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                vm: vm, online: false, volume: paths.volume, volumeUuid: Self.volumeUuid,
                installPath: paths.snapshots + "/s1.qcow2", full: false), as: KVM.TakeSnapshotResponse.self)
            #expect(first.success, "\(first.error ?? "")")
            #expect(first.snapshotInstallPath == paths.volume)
            let top1 = try #require(first.newVolumeInstallPath)
            // No path from the MN: a fresh name beside the snapshot, as ZStack's agent picks it.
            #expect((top1 as NSString).deletingLastPathComponent == paths.snapshots)
            #expect((top1 as NSString).lastPathComponent.wholeMatch(of: /[0-9a-f]{32}\.qcow2/) != nil)
            #expect(first.size == (try await ImageChain.actualSize(paths.volume)) && (first.size ?? 0) > 0)
            #expect(try await ImageChain.backingChain(top1) == [top1, paths.volume, paths.template])
            #expect(!FileManager.default.fileExists(atPath: paths.snapshots + "/s1.qcow2"))

            // The guest's writes go to the new top; the snapshot keeps what it had.
            try await ImageChain.write(top1, byte: 0x77, block: 0)
            #expect(try await ImageChain.reads(top1, byte: 0x77, block: 0))
            #expect(try await ImageChain.reads(top1, byte: ImageChain.pattern(1), block: 1))
            #expect(try await ImageChain.reads(paths.volume, byte: ImageChain.pattern(0), block: 0))

            let top2 = paths.snapshots + "/top2.qcow2"
            let second = try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                vm: nil, online: false, volume: top1, volumeUuid: Self.volumeUuid,
                installPath: paths.snapshots + "/s2.qcow2", full: false, newVolumeInstallPath: top2),
                as: KVM.TakeSnapshotResponse.self)
            #expect(second.success && second.snapshotInstallPath == top1 && second.newVolumeInstallPath == top2, "\(second.error ?? "")")
            #expect(try await ImageChain.backingChain(top2) == [top2, top1, paths.volume, paths.template])

            let matching = try await agent.call("/vm/volume/checksnapshot", try SnapshotBodies.checkSnapshot(
                vm: vm, volumeUuid: Self.volumeUuid, current: top2, chain: [paths.volume: 0, top1: 1, top2: 2],
                exclude: [paths.template]), as: EmptyReply.self)
            #expect(matching.success, "\(matching.error ?? "")")
            let stale = try await agent.call("/vm/volume/checksnapshot", try SnapshotBodies.checkSnapshot(
                vm: vm, volumeUuid: Self.volumeUuid, current: top2, chain: [paths.volume: 0, top2: 1],
                exclude: [paths.template]), as: EmptyReply.self)
            #expect(!stale.success)
            #expect(stale.error?.contains("the management node has \(top2), \(paths.volume); this host has \(top2), \(top1), \(paths.volume)") == true,
                    "\(stale.error ?? "")")
        }
    }

    @Test("a full snapshot is a standalone copy of the volume with the new top on it")
    func fullSnapshot() async throws {
        try await KVMAgentHarness.with { agent in
            let paths = Layout(agent)
            try await ImageChain.create([paths.template, paths.volume])
            let snapshot = paths.snapshots + "/full.qcow2"
            let reply = try await agent.call("/vm/volume/takesnapshot", try SnapshotBodies.takeSnapshot(
                vm: nil, online: false, volume: paths.volume, volumeUuid: Self.volumeUuid, installPath: snapshot, full: true),
                as: KVM.TakeSnapshotResponse.self)
            #expect(reply.success && reply.snapshotInstallPath == snapshot, "\(reply.error ?? "")")
            let top = try #require(reply.newVolumeInstallPath)
            #expect(try await ImageChain.backingChain(snapshot) == [snapshot])
            #expect(try await Program.run(["qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", paths.volume, snapshot]).status == 0)
            #expect(try await ImageChain.backingChain(top) == [top, snapshot])
            #expect(reply.size == (try await ImageChain.actualSize(snapshot)))
            // The copy holds the data itself: the old chain can go.
            try FileManager.default.removeItem(atPath: paths.template)
            #expect(try await ImageChain.reads(top, byte: ImageChain.pattern(0), block: 0))
            #expect(try await ImageChain.reads(top, byte: ImageChain.pattern(1), block: 1))
        }
    }

    @Test("merging pulls the images between srcPath and the top into the top; fullRebase pulls them all")
    func merge() async throws {
        try await KVMAgentHarness.with { agent in
            let paths = Layout(agent)
            let chain = [paths.template, paths.snapshots + "/s1.qcow2", paths.snapshots + "/s2.qcow2", paths.volume]
            try await ImageChain.create(chain)

            let outside = try await agent.call("/vm/volume/mergesnapshot", try SnapshotBodies.mergeSnapshot(
                vm: nil, volume: paths.volume, volumeUuid: Self.volumeUuid, srcPath: try agent.file("other.qcow2"), full: false),
                as: EmptyReply.self)
            #expect(outside.error?.contains("is not in the backing chain of \(paths.volume)") == true, "\(outside.error ?? "")")
            #expect(try await ImageChain.backingChain(paths.volume) == chain.reversed())

            let merged = try await agent.call("/vm/volume/mergesnapshot", try SnapshotBodies.mergeSnapshot(
                vm: KVMAgentHarness.uniqueUUID(), volume: paths.volume, volumeUuid: Self.volumeUuid, srcPath: chain[1], full: false),
                as: EmptyReply.self)
            #expect(merged.success, "\(merged.error ?? "")")
            #expect(try await ImageChain.backingChain(paths.volume) == [paths.volume, chain[1], chain[0]])
            try FileManager.default.removeItem(atPath: chain[2])
            for block in 0..<4 { #expect(try await ImageChain.reads(paths.volume, byte: ImageChain.pattern(block), block: block)) }
            // Asked again (the MN retries): already so.
            let again = try await agent.call("/vm/volume/mergesnapshot", try SnapshotBodies.mergeSnapshot(
                vm: nil, volume: paths.volume, volumeUuid: Self.volumeUuid, srcPath: chain[1], full: false), as: EmptyReply.self)
            #expect(again.success, "\(again.error ?? "")")

            let full = try await agent.call("/vm/volume/mergesnapshot", try SnapshotBodies.mergeSnapshot(
                vm: nil, volume: paths.volume, volumeUuid: Self.volumeUuid, srcPath: nil, full: true), as: EmptyReply.self)
            #expect(full.success, "\(full.error ?? "")")
            #expect(try await ImageChain.backingChain(paths.volume) == [paths.volume])
            try FileManager.default.removeItem(atPath: chain[1])
            try FileManager.default.removeItem(atPath: chain[0])
            for block in 0..<4 { #expect(try await ImageChain.reads(paths.volume, byte: ImageChain.pattern(block), block: block)) }
        }
    }

    @Test("block commit writes the top and the images between into base, which becomes the volume")
    func blockCommit() async throws {
        try await KVMAgentHarness.with { agent in
            let paths = Layout(agent)
            let base = paths.snapshots + "/base.qcow2"
            let chain = [base, paths.snapshots + "/s1.qcow2", paths.volume]
            try await ImageChain.create(chain)

            let wrongBase = try await agent.call("/vm/volume/blockcommit", try SnapshotBodies.blockCommit(
                vm: nil, volume: paths.volume, volumeUuid: Self.volumeUuid, top: chain[1], base: paths.volume),
                as: KVM.BlockCommitVolumeResponse.self)
            #expect(wrongBase.error?.contains("base \(paths.volume) is not in the backing chain of \(chain[1])") == true,
                    "\(wrongBase.error ?? "")")

            let reply = try await agent.call("/vm/volume/blockcommit", try SnapshotBodies.blockCommit(
                vm: KVMAgentHarness.uniqueUUID(), volume: paths.volume, volumeUuid: Self.volumeUuid, top: paths.volume, base: base),
                as: KVM.BlockCommitVolumeResponse.self)
            #expect(reply.success && reply.newVolumeInstallPath == base, "\(reply.error ?? "")")
            #expect(reply.size == (try await ImageChain.actualSize(base)) && (reply.size ?? 0) > 0)
            // base alone now holds every block the top showed.
            #expect(try await ImageChain.backingChain(base) == [base])
            for block in 0..<3 { #expect(try await ImageChain.reads(base, byte: ImageChain.pattern(block), block: block)) }
        }
    }
}
