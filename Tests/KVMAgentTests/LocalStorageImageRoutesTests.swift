import AgentClient
import AgentWire
import Foundation
import HostSystem
import TestSupport
import Testing

/// The local-storage paths on images, replayed with the MN's bodies (`LocalStorageBodies`) over HTTP on real
/// qcow2 chains in a temporary storage: every effect is read back from the files (`qemu-img info
/// --backing-chain`, data blocks through `qemu-io`, `md5sum`, `du`), never from the agent's word, and every
/// reply field the Java code reads is checked.
@Suite("Local storage: templates, snapshots, MD5s, chains, sizes", .timeLimit(.minutes(5)))
struct LocalStorageImageRoutesTests {
    static let mib: Int64 = 1 << 20

    /// `/localstorage/init` of `<harness>/ps`, as the MN sends it on connect.
    static func initialize(_ agent: KVMAgentHarness) async throws -> String {
        let root = agent.directory.path + "/ps"
        let reply = try await agent.call("/localstorage/init", try LocalStorageBodies.body(root,
            #""path":"\#(root)","hostUuid":"\#(KVMAgentHarness.hostUuid)","initFilePath":"\#(root)/zstack_initialized_file""#),
            as: KVM.LocalStorageResponse.self)
        #expect(reply.success, "\(reply.error ?? "")")
        return root
    }

    static func call(_ agent: KVMAgentHarness, _ path: String, _ root: String, _ fields: String,
                     threadContext: Bool = false) async throws -> KVM.LocalStorageResponse {
        try await agent.call(path, try LocalStorageBodies.body(root, fields, threadContext: threadContext), as: KVM.LocalStorageResponse.self)
    }

    static func expectCapacity(_ reply: KVM.LocalStorageResponse) {
        #expect((reply.totalCapacity ?? 0) > 0 && (reply.availableCapacity ?? 0) > 0, "the MN updates the host's capacity from these")
    }

    @Test("create image from a VM's root volume: estimate, then a standalone template of the whole chain, then its removal")
    func createImageFromVM() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let cache = root + "/imagecache/template/t1/t1.qcow2"
            let volume = root + "/rootVolumes/acct-1/vol-1/vol-1.qcow2"
            try await ImageChain.create([cache, volume])
            var start = try agent.minimalStart()
            start.rootVolume?.installPath = volume
            let started = try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self)
            #expect(started.success, "\(started.error ?? "")")

            let estimate = try await Self.call(agent, "/localstorage/volume/estimatetemplatesize", root, #""volumePath":"\#(volume)""#)
            #expect(estimate.success, "\(estimate.error ?? "")")
            let measured = try JSONSerialization.jsonObject(with: Data(try await Program.output(
                ["qemu-img", "measure", "-U", "--output=json", "-f", "qcow2", "-O", "qcow2", volume]).utf8)) as? [String: Any]
            #expect(estimate.actualSize == (measured?["required"] as? NSNumber)?.int64Value && estimate.size == 16 * Self.mib)

            let image = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
            let workspace = root + "/templateWorkspace/image-\(image)/\(image).qcow2"
            let template = try await Self.call(agent, "/localstorage/volume/createtemplate", root,
                                               #""installPath":"\#(workspace)","volumePath":"\#(volume)""#, threadContext: true)
            #expect(template.success, "\(template.error ?? "")")
            #expect(try await ImageChain.backingChain(workspace) == [workspace], "a template stands alone")
            #expect(try await ImageChain.info(workspace)["format"] as? String == "qcow2")
            let templateSize = try await ImageChain.actualSize(workspace)
            #expect(template.actualSize == templateSize && template.size == 16 * Self.mib)
            Self.expectCapacity(template)
            #expect(try await ImageChain.reads(workspace, byte: ImageChain.pattern(0), block: 0))
            #expect(try await ImageChain.reads(workspace, byte: ImageChain.pattern(1), block: 1))
            #expect(try Files.directoryEntries(Files.parentDirectory(of: workspace)) == ["\(image).qcow2"], "no staging file is left")

            let deleted = try await Self.call(agent, "/localstorage/delete", root,
                                              #""hostUuid":"\#(KVMAgentHarness.hostUuid)","path":"\#(workspace)""#)
            #expect(deleted.success && !Files.exists(workspace))
            #expect(try await ImageChain.backingChain(volume) == [volume, cache], "the VM's volume is untouched")
        }
    }

    @Test("snapshot revert, merge into a new volume, offline merges and the chain queries, read back with qemu-img")
    func snapshotFlows() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let folder = root + "/rootVolumes/acct-1/vol-1"
            let cache = root + "/imagecache/template/t1/t1.qcow2"
            let (s1, s2, volume) = (folder + "/snapshots/s1.qcow2", folder + "/snapshots/s2.qcow2", folder + "/vol-1.qcow2")
            try await ImageChain.create([cache, s1, s2, volume])

            let chain = try await Self.call(agent, "/localstorage/volume/getbackingchain", root,
                                            #""volumeUuid":"vol-1","installPath":"\#(volume)""#)
            #expect(chain.backingChain == [s2, s1, cache], "nearest first, the volume itself left out")
            #expect(chain.totalSize == (try [s2, s1, cache].reduce(0) { try $0 + Files.size($1) }))
            let backing = try await Self.call(agent, "/localstorage/volume/getbackingfile", root, #""path":"\#(volume)","volumeUuid":"vol-1""#)
            let s2Size = try Files.size(s2)
            #expect(backing.backingFilePath == s2 && backing.size == s2Size)

            let verified = try await Self.call(agent, "/localstorage/snapshot/verifychain", root, #"""
                "snapshots":[{"path":"\#(s2)","parentPath":"\#(s1)","snapshotUuid":"s2"},{"path":"\#(s1)","parentPath":"\#(cache)","snapshotUuid":"s1"}]
                """#)
            #expect(verified.success, "\(verified.error ?? "")")
            let wrong = try await Self.call(agent, "/localstorage/snapshot/verifychain", root,
                                            #""snapshots":[{"path":"\#(s2)","parentPath":"\#(cache)","snapshotUuid":"s2"}]"#)
            #expect(!wrong.success && wrong.error?.contains("backing file[\(s1)] is not equal to \(cache)") == true, "\(wrong.error ?? "")")

            // RevertVolumeFromSnapshotCmd: a new volume on the snapshot, beside it.
            let reverted = try await Self.call(agent, "/localstorage/snapshot/revert", root, #""snapshotInstallPath":"\#(s1)""#)
            #expect(reverted.success, "\(reverted.error ?? "")")
            let newVolume = try #require(reverted.newVolumeInstallPath)
            #expect(Files.parentDirectory(of: newVolume) == folder + "/snapshots" && reverted.size == 16 * Self.mib)
            #expect(try await ImageChain.backingChain(newVolume) == [newVolume, s1, cache])
            #expect(try await ImageChain.reads(newVolume, byte: ImageChain.pattern(1), block: 1))
            #expect(!(try await ImageChain.reads(newVolume, byte: ImageChain.pattern(2), block: 2)), "s2's data is not in it")

            // MergeSnapshotCmd of createNormalVolumeFromSnapshot: a standalone data volume.
            let data = root + "/dataVolumes/acct-1/vol-9/vol-9.qcow2"
            let merged = try await Self.call(agent, "/localstorage/snapshot/merge", root,
                #""volumeUuid":"vol-1","snapshotInstallPath":"\#(s2)","workspaceInstallPath":"\#(data)""#, threadContext: true)
            #expect(merged.success, "\(merged.error ?? "")")
            #expect(try await ImageChain.backingChain(data) == [data])
            for block in 0..<3 { #expect(try await ImageChain.reads(data, byte: ImageChain.pattern(block), block: block)) }
            let dataSize = try await ImageChain.actualSize(data)
            #expect(merged.size == 16 * Self.mib && merged.actualSize == dataSize)
            Self.expectCapacity(merged)

            // OfflineMergeSnapshotCmd of stream(): onto s1, then (no srcPath, fullRebase) onto nothing.
            let onS1 = try await Self.call(agent, "/localstorage/snapshot/offlinemerge", root,
                #""srcPath":"\#(s1)","destPath":"\#(volume)","fullRebase":false"#, threadContext: true)
            #expect(onS1.success, "\(onS1.error ?? "")")
            #expect(try await ImageChain.backingChain(volume) == [volume, s1, cache])
            #expect(try await ImageChain.reads(volume, byte: ImageChain.pattern(2), block: 2), "s2's block was copied in")
            let again = try await Self.call(agent, "/localstorage/snapshot/offlinemerge", root,
                #""srcPath":"\#(s1)","destPath":"\#(volume)","fullRebase":false"#, threadContext: true)
            #expect(again.success, "\(again.error ?? "")")
            #expect(try await ImageChain.backingChain(volume) == [volume, s1, cache], "already so: nothing to do")
            let full = try await Self.call(agent, "/localstorage/snapshot/offlinemerge", root,
                #""destPath":"\#(volume)","fullRebase":true"#, threadContext: true)
            #expect(full.success, "\(full.error ?? "")")
            #expect(try await ImageChain.backingChain(volume) == [volume])
            for block in 0..<4 { #expect(try await ImageChain.reads(volume, byte: ImageChain.pattern(block), block: block)) }
            #expect(try Files.directoryEntries(folder).sorted() == ["snapshots", "vol-1.qcow2"], "no staging file is left")

            // RebaseRootVolumeToBackingFile and RebaseSnapshotBackingFiles only rewrite headers.
            let rebased = try await Self.call(agent, "/localstorage/volume/rebaserootvolumetobackingfile", root,
                                              #""backingFilePath":"\#(cache)","rootVolumePath":"\#(newVolume)""#)
            #expect(rebased.success, "\(rebased.error ?? "")")
            #expect(try await ImageChain.backingChain(newVolume) == [newVolume, cache])
            let restored = try await Self.call(agent, "/localstorage/snapshot/rebasebackingfiles", root,
                                               #""snapshots":[{"path":"\#(newVolume)","parentPath":"\#(s1)","snapshotUuid":"n"}]"#)
            #expect(restored.success, "\(restored.error ?? "")")
            #expect(try await ImageChain.backingChain(newVolume) == [newVolume, s1, cache])
        }
    }

    @Test("MD5 of a multi-GiB sparse image is md5sum's, with progress in the stage; checkmd5 agrees and names a mismatch")
    func md5OfLargeSparseImage() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let image = root + "/imagecache/template/big/big.raw"
            try Files.makeDirectories(Files.parentDirectory(of: image))
            try await Program.check(["truncate", "-s", "3G", image])
            try await Program.check(["qemu-io", "-f", "raw", "-c", "write -P 0x5a 1G 1M", "-c", "write -P 0xa5 2G 64k", image])
            let md5sum = String(try await Program.output(["md5sum", image]).prefix(32))

            let got = try await Self.call(agent, "/localstorage/getmd5", root, #"""
                "md5s":[{"resourceUuid":"backing-file","path":"\#(image)"}],"sendCommandUrl":"\#(agent.mn.sendCommandURL)",
                "volumeUuid":"vol-1","stage":"10-40"
                """#, threadContext: true)
            #expect(got.success, "\(got.error ?? "")")
            #expect(got.md5s == [KVM.Md5TO(resourceUuid: "backing-file", path: image, md5: md5sum)])
            let reports = try agent.mn.events.filter { $0.commandPath == "/progress/report" }.map { try $0.decode(ProgressReportCmd.self) }
            #expect(reports.first?.progress == "10" && reports.last?.progress == "40", "\(reports.map { $0.progress ?? "" })")
            #expect(reports.allSatisfy { $0.processType == "LocalStorageMigrateVolume" && $0.resourceUuid == "vol-1"
                && $0.threadContextMap?["api"] == .string(LocalStorageBodies.apiID) && (10...40).contains(Int($0.progress ?? "") ?? -1) })

            let checked = try await Self.call(agent, "/localstorage/checkmd5", root, #"""
                "md5s":[{"resourceUuid":"backing-file","path":"\#(image)","md5":"\#(md5sum)"}],"volumeUuid":"vol-1","stage":"90-100"
                """#, threadContext: true)
            #expect(checked.success, "\(checked.error ?? "")")
            let mismatch = try await Self.call(agent, "/localstorage/checkmd5", root, #"""
                "md5s":[{"resourceUuid":"backing-file","path":"\#(image)","md5":"d41d8cd98f00b204e9800998ecf8427e"}],"volumeUuid":"vol-1"
                """#, threadContext: true)
            #expect(!mismatch.success && mismatch.error?.contains("MD5 unmatch. The file[uuid:backing-file, path:\(image)]'s md5 (src host:d41d8cd98f00b204e9800998ecf8427e, dst host:\(md5sum))") == true,
                    "\(mismatch.error ?? "")")
            let hash = try await Self.call(agent, "/localstorage/getqcow2hash", root, #""hostUuid":"h1","installPath":"\#(image)""#)
            #expect(hash.hashValue == md5sum)
        }
    }

    @Test("batchgetsize answers for 1,000 volumes in one call, leaving out the missing and the hostile ones")
    func batchGetSizeOfAThousandVolumes() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let seed = root + "/seed.qcow2"
            try await ImageChain.create([seed])
            var paths: [String: String] = [:]
            for index in 0..<1000 {
                let path = root + "/dataVolumes/acct-1/vol-\(index)/vol-\(index).qcow2"
                try Files.makeDirectories(Files.parentDirectory(of: path))
                try FileManager.default.copyItem(atPath: seed, toPath: path)
                paths["vol-\(index)"] = path
            }
            let du = try await Program.output(["du", "--block-size=1"] + paths.values.sorted())
            var expected: [String: Int64] = [:]
            for line in du.split(separator: "\n") {
                let fields = line.split(separator: "\t")
                let uuid = paths.first { $0.value == fields[1] }?.key
                if let uuid { expected[uuid] = Int64(fields[0]) }
            }
            var hostile = paths
            hostile["missing"] = root + "/dataVolumes/none.qcow2"
            hostile["escape"] = root + "/../outside.qcow2"
            hostile["elsewhere"] = "/etc/passwd"
            let json = try hostile.map { "\(try LocalStorageBodies.quoted($0.key)):\(try LocalStorageBodies.quoted($0.value))" }.joined(separator: ",")
            let reply = try await Self.call(agent, "/localstorage/volume/batchgetsize", root, #""volumeUuidInstallPaths":{\#(json)}"#)
            #expect(reply.success, "\(reply.error ?? "")")
            #expect(reply.actualSizes?.count == 1000)
            #expect(reply.actualSizes == expected, "qemu-img's actual-size is the bytes du counts")
        }
    }

    @Test("a template copy cancelled by /job/cancel stops and leaves nothing behind")
    func cancelledTemplateLeavesNothing() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let volume = root + "/rootVolumes/acct-1/vol-1/vol-1.qcow2"
            try Files.makeDirectories(Files.parentDirectory(of: volume))
            // Real data, so the copy takes long enough to be caught running.
            try await Program.check(["qemu-img", "create", "-q", "-f", "qcow2", volume, "1G"])
            try await Program.check(["qemu-io", "-f", "qcow2", "-c", "write -P 0x33 0 1G", volume])
            let workspace = root + "/templateWorkspace/image-i1"
            async let copying = Self.call(agent, "/localstorage/volume/createtemplate", root,
                                          #""installPath":"\#(workspace)/i1.qcow2","volumePath":"\#(volume)""#, threadContext: true)
            try await agent.cancelLocalStorageJob(onceStagingIn: workspace)
            let reply = try await copying
            #expect(!reply.success && reply.error?.contains("was cancelled") == true, "\(reply.error ?? "")")
            #expect(!Files.exists(workspace), "neither the partial template nor its folder is left")
            #expect(try await ImageChain.backingChain(volume) == [volume])
        }
    }

    @Test("hostile paths are refused in band, naming the field, and nothing is touched")
    func hostilePathsAreRefused() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let outside = agent.directory.path + "/outside"
            try Files.makeDirectories(outside)
            try await ImageChain.create([outside + "/victim.qcow2"])
            #expect(symlink(outside, root + "/link") == 0)
            let volume = root + "/rootVolumes/v/v.qcow2"
            try await ImageChain.create([volume])
            // A volume inside whose header leads out: its chain must not be read into a template.
            let leaky = root + "/rootVolumes/leak/leak.qcow2"
            try await ImageChain.create(leaky, backing: outside + "/victim.qcow2")
            let before = try Files.regularFiles(under: agent.directory.path).sorted()

            let cases: [(String, String, String)] = [
                ("/localstorage/volume/createtemplate", #""installPath":"\#(root)/../outside/t.qcow2","volumePath":"\#(volume)""#, "installPath"),
                ("/localstorage/volume/createtemplate", #""installPath":"\#(root)/t/t.qcow2","volumePath":"\#(root)/link/victim.qcow2""#, "volumePath"),
                ("/localstorage/volume/createtemplate", #""installPath":"\#(root)/t/t.qcow2","volumePath":"\#(leaky)""#, "the backing file of"),
                ("/localstorage/snapshot/merge", #""snapshotInstallPath":"\#(volume)","workspaceInstallPath":"\#(outside)/w.qcow2""#, "workspaceInstallPath"),
                ("/localstorage/snapshot/revert", #""snapshotInstallPath":"\#(outside)/victim.qcow2""#, "snapshotInstallPath"),
                ("/localstorage/reinit/image", #""imagePath":"\#(volume)","volumePath":"\#(root)/link/x.qcow2""#, "volumePath"),
                ("/localstorage/getmd5", #""md5s":[{"resourceUuid":"r","path":"/etc/shadow"}],"volumeUuid":"v""#, "md5s.path"),
                ("/localstorage/getqcow2hash", #""installPath":"\#(root)/link/victim.qcow2""#, "installPath"),
                ("/localstorage/deletedir", #""path":"\#(root)""#, "local storage root"),
                ("/localstorage/deletedir", #""path":"\#(root)/link""#, "path"),
                ("/localstorage/deletedir", #""path":"\#(root)/../outside""#, "path"),
                ("/localstorage/unlink", #""installPath":"\#(outside)/victim.qcow2","onlyLinkedFile":true"#, "installPath"),
                ("/localstorage/volume/hardlink", #""volumeUuid":"v","srcDir":"\#(root)/rootVolumes/v","dstDir":"\#(outside)/v""#, "dstDir"),
                ("/localstorage/volume/resize", #""installPath":"\#(outside)/victim.qcow2","size":1073741824,"force":true"#, "installPath"),
                ("/localstorage/create/initializedfile", #""filePath":"/etc/zstack-initialized""#, "filePath"),
                ("/localstorage/kvmhost/download/cancel", #""primaryStorageInstallPath":"\#(outside)/victim.qcow2""#, "primaryStorageInstallPath"),
                ("/localstorage/volume/createfolder", #""installUrl":"\#(root)/link/a/b""#, "installUrl"),
            ]
            for (path, fields, named) in cases {
                let reply = try await Self.call(agent, path, root, fields)
                #expect(!reply.success, "\(path) \(fields) must be refused")
                #expect(reply.error?.contains(named) == true, "\(path): \(reply.error ?? "")")
            }
            #expect(try Files.regularFiles(under: agent.directory.path).sorted() == before, "no file was made, changed in place or removed")
            #expect(try await ImageChain.info(outside + "/victim.qcow2")["virtual-size"] as? Int64 == 16 * Self.mib)
            #expect(!Files.exists(outside + "/v") && !Files.exists(outside + "/a"))
        }
    }

    @Test("base image and references in the image cache, hard links with rebases, unlink, resize, initialized file, download progress")
    func cacheReferencesLinksAndFiles() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let cache = root + "/imagecache/template/img1/img1.qcow2"
            let other = root + "/imagecache/template/img2/img2.qcow2"
            let folder = root + "/dataVolumes/acct-1/vol-1"
            let volume = folder + "/vol-1.qcow2"
            try await ImageChain.create([cache, folder + "/snapshots/s1.qcow2", volume])
            try await ImageChain.create([other])
            try await ImageChain.create(folder + "/snapshots/s9.qcow2", backing: other)

            let base = try await Self.call(agent, "/localstorage/volume/getbaseimagepath", root, #"""
                "volumeUuid":"vol-1","imageCacheDir":"\#(root)/imagecache","volumeInstallDir":"\#(folder)","volumeInstallPath":"\#(volume)"
                """#)
            #expect(base.success && base.path == cache && base.otherPaths == [other], "\(base.error ?? "")")
            #expect(base.size == (try await ImageChain.actualSize(cache)))
            let wrongDir = try await Self.call(agent, "/localstorage/volume/getbaseimagepath", root, #"""
                "volumeUuid":"vol-2","imageCacheDir":"\#(root)/imagecache","volumeInstallDir":"\#(folder)","volumeInstallPath":"\#(volume)"
                """#)
            #expect(!wrongDir.success && wrongDir.error?.contains("maybe you pass a wrong install dir") == true)

            let references = try await Self.call(agent, "/localstorage/getqcow2reference", root, #""path":"\#(cache)","searchingDir":"\#(root)""#)
            #expect(references.referencePaths == [folder + "/snapshots/s1.qcow2"])

            // ChangeVolumeTypeOnPrimaryStorageMsg: the data volume's folder becomes a root volume's.
            let target = root + "/rootVolumes/acct-1/vol-1"
            let linked = try await Self.call(agent, "/localstorage/volume/hardlink", root,
                                             #""volumeUuid":"vol-1","srcDir":"\#(folder)","dstDir":"\#(target)""#)
            #expect(linked.success, "\(linked.error ?? "")")
            #expect(Files.sameFile(volume, target + "/vol-1.qcow2") && Files.sameFile(folder + "/snapshots/s1.qcow2", target + "/snapshots/s1.qcow2"))
            #expect(try await ImageChain.backingChain(target + "/vol-1.qcow2") == [target + "/vol-1.qcow2", target + "/snapshots/s1.qcow2", cache])
            #expect(try await ImageChain.reads(target + "/vol-1.qcow2", byte: ImageChain.pattern(2), block: 2))
            let unlinked = try await Self.call(agent, "/localstorage/unlink", root, #""installPath":"\#(folder)","onlyLinkedFile":true"#)
            #expect(unlinked.success && !Files.exists(volume) && Files.exists(target + "/vol-1.qcow2"), "\(unlinked.error ?? "")")
            #expect(try Files.linkCount(target + "/vol-1.qcow2") == 1)
            let kept = try await Self.call(agent, "/localstorage/unlink", root, #""installPath":"\#(target)/vol-1.qcow2","onlyLinkedFile":true"#)
            #expect(kept.success && Files.exists(target + "/vol-1.qcow2"), "a file's only name is kept")

            let resized = try await Self.call(agent, "/localstorage/volume/resize", root,
                                              #""installPath":"\#(target)/vol-1.qcow2","size":\#(64 * Self.mib),"force":false"#)
            #expect(resized.success && resized.size == 64 * Self.mib, "\(resized.error ?? "")")
            #expect(try await ImageChain.info(target + "/vol-1.qcow2")["virtual-size"] as? Int64 == 64 * Self.mib)

            let marker = root + "/\(LocalStorageBodies.primaryStorageUuid)-initialized-file"
            let missing = try await Self.call(agent, "/localstorage/check/initializedfile", root, #""filePath":"\#(marker)""#)
            #expect(missing.success && missing.existed == false, "sent even when false: Java takes a missing one for true")
            #expect(try await Self.call(agent, "/localstorage/create/initializedfile", root, #""filePath":"\#(marker)""#).success)
            #expect(try await Self.call(agent, "/localstorage/check/initializedfile", root, #""filePath":"\#(marker)""#).existed == true)

            let progress = try await Self.call(agent, "/localstorage/kvmhost/download/progress", root,
                                               #""volumePaths":["\#(cache)","\#(root)/none.qcow2"]"#)
            #expect(progress.totalSize == (try Files.size(cache)))

            let memory = root + "/memoryVolumes/acct-1/vol-m/vol-m"
            #expect(try await Self.call(agent, "/localstorage/volume/createfolder", root, #""installUrl":"\#(memory)""#).success)
            #expect(Files.kind(Files.parentDirectory(of: memory)) == .directory)
            let removed = try await Self.call(agent, "/localstorage/deletedir", root,
                                              #""hostUuid":"\#(KVMAgentHarness.hostUuid)","path":"\#(root)/imagecache/template/img2""#)
            #expect(removed.success && !Files.exists(other), "\(removed.error ?? "")")
        }
    }

    @Test("a file or folder a process holds open is not deleted: inUse, which the MN's GC retries; closed, it goes")
    func openFilesAreNotDeleted() async throws {
        try await KVMAgentHarness.with { agent in
            let root = try await Self.initialize(agent)
            let folder = root + "/imagecache/template/img1"
            let image = folder + "/img1.qcow2"
            try await ImageChain.create([image])
            let holder = try #require(FileHandle(forReadingAtPath: image))
            let file = try await Self.call(agent, "/localstorage/delete", root, #""hostUuid":"h1","path":"\#(image)""#)
            #expect(!file.success && file.inUse == true && file.error?.contains("file \(image) is still in use") == true, "\(file.error ?? "")")
            let dir = try await Self.call(agent, "/localstorage/deletedir", root, #""hostUuid":"h1","path":"\#(folder)""#)
            #expect(!dir.success && dir.inUse == true && dir.error?.contains("dir \(folder) is still in use") == true, "\(dir.error ?? "")")
            #expect(Files.exists(image))
            try holder.close()
            let deleted = try await Self.call(agent, "/localstorage/deletedir", root, #""hostUuid":"h1","path":"\#(folder)""#)
            #expect(deleted.success && !Files.exists(folder), "\(deleted.error ?? "")")
            Self.expectCapacity(deleted)
        }
    }
}
