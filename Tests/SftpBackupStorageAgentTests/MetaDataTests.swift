import TestSupport
import AgentClient
import AgentWire
import Foundation
import Testing

@Suite struct MetaDataTests {
    private func inventory(_ uuid: String, installPath: String) -> JSONValue {
        .object(["uuid": .string(uuid), "name": .string("image \(uuid)"),
                 "backupStorageRefs": .array([.object(["installPath": .string(installPath)])])])
    }

    private func text(_ value: JSONValue) throws -> String {
        String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }

    @Test func metadataFileRoundTrip() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                let bs = SftpBackupStorage.StoragePathCmd(backupStoragePath: agent.storagePath)
                let before = try await agent.call(SftpBackupStorage.Path.checkImageMetaDataFileExist, bs,
                                                  as: SftpBackupStorage.ImageMetaDataFileResponse.self, via: mn)
                #expect(before.success && before.exist == false)
                let generated = try await agent.call(SftpBackupStorage.Path.generateImageMetaDataFile, bs,
                                                     as: SftpBackupStorage.ImageMetaDataFileResponse.self, via: mn)
                let file = agent.storagePath + "/bs_sftp_info.json"
                #expect(generated.success && generated.backupStorageMetaFileName == file && generated.bsFileName == file)
                let after = try await agent.call(SftpBackupStorage.Path.checkImageMetaDataFileExist, bs,
                                                 as: SftpBackupStorage.ImageMetaDataFileResponse.self, via: mn)
                #expect(after.exist == true && FileManager.default.fileExists(atPath: file))

                let present = agent.storagePath + "/img-a/a.template"
                try FileManager.default.createDirectory(atPath: agent.storagePath + "/img-a", withIntermediateDirectories: true)
                try Data(repeating: 1, count: 1000).write(to: URL(fileURLWithPath: present))
                let all = JSONValue.array([inventory("img-a", installPath: present),
                                           inventory("img-b", installPath: agent.storagePath + "/img-b/b.template")])
                let dumped = try await agent.call(
                    SftpBackupStorage.Path.dumpImageMetaDataToFile,
                    SftpBackupStorage.DumpImageMetaDataCmd(backupStoragePath: agent.storagePath, imageMetaData: try text(all), dumpAllMetaData: true),
                    as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(dumped.success, "\(dumped.error ?? "")")
                let third = agent.storagePath + "/img-c/c.template"
                try FileManager.default.createDirectory(atPath: agent.storagePath + "/img-c", withIntermediateDirectories: true)
                try Data(repeating: 2, count: 10).write(to: URL(fileURLWithPath: third))
                _ = try await agent.call(
                    SftpBackupStorage.Path.dumpImageMetaDataToFile,
                    SftpBackupStorage.DumpImageMetaDataCmd(backupStoragePath: agent.storagePath,
                                             imageMetaData: try text(inventory("img-c", installPath: third)), dumpAllMetaData: false),
                    as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").count == 3)

                // img-b's file does not exist: only a and c come back.
                let listed = try await agent.call(SftpBackupStorage.Path.getImagesMetaData, bs, as: SftpBackupStorage.GetImagesMetaDataResponse.self, via: mn)
                let uuids = try (listed.imagesMetaData ?? "").split(separator: "\n").map {
                    try WireJSON.decode(JSONValue.self, from: Array($0.utf8))["uuid"]?.stringValue
                }
                #expect(uuids == ["img-a", "img-c"])

                let deleted = try await agent.call(
                    SftpBackupStorage.Path.deleteImagesMetaData,
                    SftpBackupStorage.DeleteImageMetaDataCmd(imageUuid: "img-a", backupStoragePath: agent.storagePath),
                    as: SftpBackupStorage.DeleteImageMetaDataResponse.self, via: mn)
                #expect(deleted.success && deleted.ret == 0)
                let remaining = try String(contentsOfFile: file, encoding: .utf8)
                #expect(!remaining.contains("img-a") && remaining.contains("img-b") && remaining.contains("img-c"))
            }
        }
    }

    @Test func imageFileCommandsWriteMetadataHashSizeAndDelete() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                let directory = agent.storagePath + "/rootVolumeTemplates/acct-1/img-q"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let image = directory + "/q.template"
                _ = try await Program.output(["qemu-img", "create", "-q", "-f", "qcow2", image, "1G"])
                let md5 = String(try await Program.output(["md5sum", image]).prefix(32))
                let length = try #require(FileManager.default.attributesOfItem(atPath: image)[.size] as? NSNumber).int64Value

                // The MN sends this one with a trailing slash.
                let size = try await agent.call("/sftpbackupstorage/getlocalfilesize/", SftpBackupStorage.PathCmd(path: image),
                                                as: SftpBackupStorage.GetLocalFileSizeResponse.self, via: mn)
                #expect(size.success && size.size == length && size.totalCapacity != nil)
                let hash = try await agent.call(SftpBackupStorage.Path.getImageHash, SftpBackupStorage.PathCmd(path: image),
                                                as: SftpBackupStorage.GetImageHashResponse.self, via: mn)
                #expect(hash.hash == md5)
                let imageSize = try await agent.call(SftpBackupStorage.Path.getImageSize, SftpBackupStorage.GetImageSizeCmd(imageUuid: "img-q", installPath: image),
                                                     as: SftpBackupStorage.GetImageSizeResponse.self, via: mn)
                #expect(imageSize.size == 1 << 30 && imageSize.actualSize == length)

                let written = try await agent.call(
                    SftpBackupStorage.Path.writeImageMetaData,
                    SftpBackupStorage.WriteImageMetaDataCmd(metaData: ["uuid": .string("img-q"), "installPath": .string(image)]),
                    as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(written.success, "\(written.error ?? "")")
                let meta = try WireJSON.decode(JSONValue.self, from: Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/meta_data.json"))))
                #expect(meta["md5sum"] == .string(md5) && meta["size"] == .number(Double(length)) && meta["uuid"] == .string("img-q"))

                let deleted = try await agent.call(SftpBackupStorage.Path.delete, SftpBackupStorage.DeleteCmd(installUrl: image),
                                                   as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(deleted.success && deleted.availableCapacity != nil)
                #expect(!FileManager.default.fileExists(atPath: directory))
                #expect(FileManager.default.fileExists(atPath: agent.storagePath + "/rootVolumeTemplates/acct-1"))

                let noKey = try await agent.call(SftpBackupStorage.Path.sshKey, EmptyCommand(), as: SftpBackupStorage.GetSshKeyResponse.self, via: mn)
                #expect(!noKey.success && noKey.sshKey == nil)
                try Data("-----BEGIN KEY-----\n".utf8).write(to: URL(fileURLWithPath: agent.scratch + "/id_rsa.sftp"))
                let key = try await agent.call(SftpBackupStorage.Path.sshKey, EmptyCommand(), as: SftpBackupStorage.GetSshKeyResponse.self, via: mn)
                #expect(key.success && key.sshKey == "-----BEGIN KEY-----\n")

            }
        }
    }
}
