import TestSupport
import AgentClient
import AgentServer
import AgentWire
import Foundation
import HostSystem
import KVMAgent
import Logging
import Testing

/// The local-storage routes through real HTTP on a temporary directory, checked with `qemu-img`, `stat`
/// and `statvfs` rather than the agent's word.
@Suite struct LocalStorageRoutesHTTPTests {
    private static let gib: Int64 = 1 << 30
    private let runner = ProcessRunner()

    /// A scratch directory holding the storage (`<dir>/ps`) and a place outside it (`<dir>/outside`).
    private func withStorage(
        allowedRoots: (String) -> [String] = { [$0 + "/ps"] },
        _ body: @Sendable (_ directory: String, AgentClient, ManagementNodeEndpoint) async throws -> Void
    ) async throws {
        try await TemporaryDirectory.with("zstack-localstorage") { scratch in
            let directory = try Files.canonicalPath(scratch)
            try Files.makeDirectories(directory + "/outside")
            let configuration = KVMAgentConfiguration(server: .test(), libvirtURI: "test:///default", storageRoots: allowedRoots(directory))
            try await ManagementNodeEndpoint.run { mn in
                try await RunningAgent.with(try await buildKVMAgent(configuration, logger: Logger(label: "test.kvm.ls"))) { agent in
                    try await body(directory, agent.client, mn)
                }
            }
        }
    }

    private func initialize(_ root: String, _ client: AgentClient, _ mn: ManagementNodeEndpoint) async throws -> KVM.LocalStorageResponse {
        var command = KVM.LocalStorageInitCmd()
        command.path = root
        command.storagePath = root
        command.hostUuid = "c0ffee00c0ffee00c0ffee00c0ffee00"
        command.initFilePath = root + "/zstack_initialized_file"
        return try await client.async("/localstorage/init", command, as: KVM.LocalStorageResponse.self, via: mn)
    }

    private func qemuInfo(_ path: String) async throws -> [String: Any] {
        let output = try await runner.run("qemu-img", ["info", "--output=json", path])
        return try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput)) as? [String: Any])
    }

    private func expectCapacity(_ reply: KVM.LocalStorageResponse, of path: String) throws {
        let capacity = try FilesystemCapacity.of(path)
        #expect(reply.totalCapacity == capacity.totalBytes)
        // Other suites write to this filesystem meanwhile (builds, tarballs, fleets): the free space moves. A
        // wrong field (0, the total, another filesystem's) is still far outside this margin.
        let available = try #require(reply.availableCapacity)
        #expect(abs(available - capacity.availableBytes) < 2 << 30)
    }

    @Test func initCreatesTheRootAndReportsCapacityAndUsage() async throws {
        try await withStorage { directory, client, mn in
            let root = directory + "/ps"
            try Files.writeAtomically(Array(repeating: 7, count: 12345), to: directory + "/seed")
            let reply = try await initialize(root, client, mn)
            #expect(reply.success, "\(reply.error ?? "")")
            #expect(Files.kind(root) == .directory && Files.kind(root + "/zstack_initialized_file") == .regular)
            try expectCapacity(reply, of: root)
            let du = try await runner.run("du", ["-s", "-b", root]).text.split(separator: "\t").first.flatMap { Int64($0) }
            let used = try #require(reply.localStorageUsedCapacity)
            #expect(used == du)

            try await runner.run("mv", [directory + "/seed", root + "/seed"])
            let again = try await initialize(root, client, mn)
            #expect(again.success && again.localStorageUsedCapacity == used + 12345)

            var capacity = KVM.LocalStorageCapacityCmd()
            capacity.storagePath = root
            let physical = try await client.async("/localstorage/getphysicalcapacity", capacity,
                                                  as: KVM.LocalStorageResponse.self, via: mn)
            #expect(physical.success)
            try expectCapacity(physical, of: root)
        }
    }

    @Test func volumesAreRealQcow2ImagesWithTheirBackingFiles() async throws {
        try await withStorage { directory, client, mn in
            let root = directory + "/ps"
            #expect(try await initialize(root, client, mn).success)
            let template = root + "/imagecache/template/t1/t1.qcow2"
            try Files.makeDirectories(Files.parentDirectory(of: template))
            try await runner.run("qemu-img", ["create", "-f", "qcow2", template, "64M"])

            var empty = KVM.CreateEmptyVolumeCmd()
            empty.storagePath = root
            empty.installUrl = root + "/dataVolumes/acct-1/vol-1/vol-1.qcow2"
            empty.size = Self.gib
            empty.volumeUuid = "vol-1"
            let emptyReply = try await client.async("/localstorage/volume/createempty", empty, as: KVM.LocalStorageResponse.self, via: mn)
            #expect(emptyReply.success, "\(emptyReply.error ?? "")")
            let emptyInfo = try await qemuInfo(empty.installUrl!)
            #expect(emptyInfo["format"] as? String == "qcow2" && emptyInfo["virtual-size"] as? Int64 == Self.gib)
            #expect(emptyInfo["backing-filename"] == nil && emptyReply.size == Self.gib)
            try expectCapacity(emptyReply, of: root)

            var fromCache = KVM.CreateVolumeFromCacheCmd()
            fromCache.storagePath = root
            fromCache.templatePathInCache = template
            fromCache.installUrl = root + "/rootVolumes/acct-1/vol-2/vol-2.qcow2"
            fromCache.virtualSize = 128 << 20
            let cacheReply = try await client.async("/localstorage/volume/createvolumefromcache", fromCache,
                                                    as: KVM.LocalStorageResponse.self, via: mn)
            #expect(cacheReply.success, "\(cacheReply.error ?? "")")
            let cacheInfo = try await qemuInfo(fromCache.installUrl!)
            #expect(cacheInfo["format"] as? String == "qcow2" && cacheInfo["backing-filename"] as? String == template)
            #expect(cacheInfo["virtual-size"] as? Int64 == 128 << 20 && cacheReply.size == 128 << 20)

            var withBacking = KVM.CreateVolumeWithBackingCmd()
            withBacking.templatePathInCache = template
            withBacking.installPath = root + "/rootVolumes/acct-1/vol-3/vol-3.qcow2"
            let backingReply = try await client.async("/localstorage/volume/createwithbacking", withBacking,
                                                      as: KVM.LocalStorageResponse.self, via: mn)
            #expect(backingReply.success, "\(backingReply.error ?? "")")
            let backingInfo = try await qemuInfo(withBacking.installPath!)
            #expect(backingInfo["backing-filename"] as? String == template && backingInfo["virtual-size"] as? Int64 == 64 << 20)
            try expectCapacity(backingReply, of: root)

            var size = KVM.GetVolumeSizeCmd()
            size.installPath = fromCache.installUrl
            let sizeReply = try await client.async("/localstorage/volume/getsize", size, as: KVM.LocalStorageResponse.self, via: mn)
            #expect(sizeReply.success && sizeReply.size == 128 << 20)
            #expect(sizeReply.actualSize == cacheInfo["actual-size"] as? Int64)

            let again = try await client.async("/localstorage/volume/createempty", empty, as: KVM.LocalStorageResponse.self, via: mn)
            #expect(!again.success && again.error?.contains("already exists") == true)
            #expect(try await qemuInfo(empty.installUrl!)["virtual-size"] as? Int64 == Self.gib)
        }
    }

    @Test func checkBitsAndDelete() async throws {
        try await withStorage { directory, client, mn in
            let root = directory + "/ps"
            #expect(try await initialize(root, client, mn).success)
            var empty = KVM.CreateEmptyVolumeCmd()
            empty.installUrl = root + "/dataVolumes/acct-1/vol-1/vol-1.qcow2"
            empty.size = Self.gib
            #expect(try await client.async("/localstorage/volume/createempty", empty, as: KVM.LocalStorageResponse.self, via: mn).success)

            var check = KVM.LocalStorageCheckBitsCmd()
            check.path = empty.installUrl
            #expect(try await client.async("/localstorage/checkbits", check, as: KVM.LocalStorageResponse.self, via: mn).existing == true)

            var delete = KVM.LocalStorageDeleteCmd()
            delete.path = empty.installUrl
            delete.storagePath = root
            for _ in 0..<2 {
                let deleted = try await client.async("/localstorage/delete", delete, as: KVM.LocalStorageResponse.self, via: mn)
                #expect(deleted.success, "\(deleted.error ?? "")")
                try expectCapacity(deleted, of: root)
            }
            #expect(!Files.exists(empty.installUrl!))
            #expect(!Files.exists(root + "/dataVolumes/acct-1/vol-1"), "the volume's empty folder goes too")
            #expect(Files.kind(root + "/dataVolumes/acct-1") == .directory)
            let checked = try await client.async("/localstorage/checkbits", check, as: KVM.LocalStorageResponse.self, via: mn)
            #expect(checked.success && checked.existing == false)

            delete.path = root
            let refused = try await client.async("/localstorage/delete", delete, as: KVM.LocalStorageResponse.self, via: mn)
            #expect(!refused.success && Files.kind(root) == .directory)
        }
    }

    @Test func pathsOutsideTheStorageAreRefusedAndNothingIsTouched() async throws {
        try await withStorage { directory, client, mn in
            let root = directory + "/ps"
            #expect(try await initialize(root, client, mn).success)
            let outside = directory + "/outside"
            try await runner.run("qemu-img", ["create", "-f", "qcow2", outside + "/victim.qcow2", "1M"])
            #expect(symlink(outside, root + "/link") == 0)

            var empty = KVM.CreateEmptyVolumeCmd()
            empty.size = Self.gib
            for hostile in [root + "/../outside/new.qcow2", root + "/link/new.qcow2", outside + "/new.qcow2", "ps/new.qcow2"] {
                empty.installUrl = hostile
                let reply = try await client.async("/localstorage/volume/createempty", empty, as: KVM.LocalStorageResponse.self, via: mn)
                #expect(!reply.success, "\(hostile) must be refused")
                #expect(reply.error?.contains("not inside the local storage") == true, "\(reply.error ?? "")")
            }
            var delete = KVM.LocalStorageDeleteCmd()
            for hostile in [root + "/../outside/victim.qcow2", root + "/link/victim.qcow2"] {
                delete.path = hostile
                let reply = try await client.async("/localstorage/delete", delete, as: KVM.LocalStorageResponse.self, via: mn)
                #expect(!reply.success)
            }
            var fromCache = KVM.CreateVolumeFromCacheCmd()
            fromCache.templatePathInCache = root + "/link/victim.qcow2"
            fromCache.installUrl = root + "/rootVolumes/v.qcow2"
            let cacheReply = try await client.async("/localstorage/volume/createvolumefromcache", fromCache,
                                                    as: KVM.LocalStorageResponse.self, via: mn)
            #expect(!cacheReply.success && !Files.exists(root + "/rootVolumes"))
            #expect(try await runner.run("ls", [outside]).text == "victim.qcow2\n")
        }
    }

    @Test func commandsBeforeInitAndInitOutsideAllowedRootsFail() async throws {
        try await withStorage(allowedRoots: { [$0 + "/allowed"] }) { directory, client, mn in
            var size = KVM.GetVolumeSizeCmd()
            size.installPath = directory + "/allowed/ps/v.qcow2"
            let early = try await client.async("/localstorage/volume/getsize", size, as: KVM.LocalStorageResponse.self, via: mn)
            #expect(!early.success && early.error?.contains("/localstorage/init must come first") == true)

            try Files.makeDirectories(directory + "/allowed")
            let refused = try await initialize(directory + "/ps", client, mn)
            #expect(!refused.success && refused.error?.contains("outside the storage roots this agent serves") == true)
            #expect(!Files.exists(directory + "/ps"))
            #expect(try await initialize(directory + "/allowed/ps", client, mn).success)
        }
    }
}
