import AgentClient
import AgentWire
import Foundation
import Testing

/// The backup storage's roots and import directories come from its configuration: `connect`, `delete` and
/// `file://` downloads cannot reach past them, whatever a request names.
@Suite struct ConfiguredRootsTests {
    @Test func connectMayOnlyNameAPathInsideTheConfiguredRoots() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                for storagePath in ["/", "/etc", agent.scratch + "/elsewhere", agent.storagePath + "/../elsewhere"] {
                    let reply = try await agent.client.sync(
                        SftpBackupStorage.Path.connect,
                        SftpBackupStorage.ConnectCmd(uuid: "bs-1", storagePath: storagePath, sendCommandUrl: mn.sendCommandURL),
                        as: SftpBackupStorage.AgentResponse.self)
                    #expect(!reply.success, "\(storagePath)")
                }
                #expect(!FileManager.default.fileExists(atPath: agent.scratch + "/elsewhere"), "nothing created")
                // The agent is still unconnected: a delete finds no storage.
                let delete = try await agent.call(SftpBackupStorage.Path.delete, SftpBackupStorage.DeleteCmd(installUrl: "/etc/passwd"),
                                                  as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(!delete.success && delete.error?.contains("not connected") == true)
                #expect(try await agent.connect(mn).success)
            }
        }
    }

    @Test func deleteRemovesOneImageDirectoryAndNeverAParentOfOthers() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                let account = agent.storagePath + "/rootVolumeTemplates/acct-1"
                for image in ["img-a", "img-b"] {
                    try FileManager.default.createDirectory(atPath: account + "/" + image, withIntermediateDirectories: true)
                    try Data("x".utf8).write(to: URL(fileURLWithPath: account + "/\(image)/\(image).qcow2"))
                }
                // The parent of installUrl would be the account directory holding both images.
                for installUrl in [account + "/img-a", agent.storagePath + "/rootVolumeTemplates/x.qcow2",
                                   agent.storagePath + "/x.qcow2"] {
                    let reply = try await agent.call(SftpBackupStorage.Path.delete, SftpBackupStorage.DeleteCmd(installUrl: installUrl),
                                                     as: SftpBackupStorage.AgentResponse.self, via: mn)
                    #expect(!reply.success, "\(installUrl)")
                }
                #expect(FileManager.default.fileExists(atPath: account + "/img-a/img-a.qcow2"))
                #expect(FileManager.default.fileExists(atPath: account + "/img-b/img-b.qcow2"))
                let deleted = try await agent.call(SftpBackupStorage.Path.delete,
                                                   SftpBackupStorage.DeleteCmd(installUrl: account + "/img-a/img-a.qcow2"),
                                                   as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(deleted.success)
                #expect(!FileManager.default.fileExists(atPath: account + "/img-a"))
                #expect(FileManager.default.fileExists(atPath: account + "/img-b/img-b.qcow2"))
            }
        }
    }

    @Test func fileURLsReadOnlyFromTheImportDirectory() async throws {
        let scratch = try SftpAgentHarness.makeScratch()
        try FileManager.default.createDirectory(atPath: scratch + "/import", withIntermediateDirectories: true)
        try Data(repeating: 1, count: 4096).write(to: URL(fileURLWithPath: scratch + "/import/ok.raw"))
        try Data("secret".utf8).write(to: URL(fileURLWithPath: scratch + "/outside.raw"))
        try FileManager.default.createSymbolicLink(atPath: scratch + "/import/link.raw", withDestinationPath: scratch + "/outside.raw")
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with(scratch: scratch, importDirectory: scratch + "/import") { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                for source in ["/dev/sda", "/etc/passwd", scratch + "/outside.raw", scratch + "/import/link.raw",
                               scratch + "/import/../outside.raw", scratch + "/import"] {
                    var command = SftpBackupStorage.DownloadCmd()
                    command.url = "file://" + source
                    command.installPath = agent.storagePath + "/rootVolumeTemplates/acct-1/img-1/img-1.raw"
                    let reply = try await agent.call(SftpBackupStorage.Path.download, command, as: SftpBackupStorage.DownloadResponse.self, via: mn)
                    #expect(!reply.success, "\(source)")
                }
                #expect(agent.files(under: agent.storagePath).isEmpty, "nothing was written")
                var command = SftpBackupStorage.DownloadCmd()
                command.url = "file://" + scratch + "/import/ok.raw"
                command.installPath = agent.storagePath + "/rootVolumeTemplates/acct-1/img-1/img-1.raw"
                let reply = try await agent.call(SftpBackupStorage.Path.download, command, as: SftpBackupStorage.DownloadResponse.self, via: mn)
                #expect(reply.success, "\(reply.error ?? "")")
                #expect(reply.actualSize == 4096)
            }
        }
    }

    @Test func downloadsLargerThanTheConfiguredMaximumAreRefusedAndLeaveNothing() async throws {
        let scratch = try SftpAgentHarness.makeScratch()
        try Data(repeating: 1, count: 64 << 10).write(to: URL(fileURLWithPath: scratch + "/big.raw"))
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with(scratch: scratch, maxImageBytes: 16 << 10) { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                var command = SftpBackupStorage.DownloadCmd()
                command.url = "file://" + scratch + "/big.raw"
                command.installPath = agent.storagePath + "/rootVolumeTemplates/acct-1/img-1/img-1.raw"
                let reply = try await agent.call(SftpBackupStorage.Path.download, command, as: SftpBackupStorage.DownloadResponse.self, via: mn)
                #expect(!reply.success && reply.error?.contains("larger than this backup storage accepts") == true,
                        "\(reply.error ?? "")")
                #expect(agent.files(under: agent.storagePath).isEmpty, "no partial file, no directory")
            }
        }
    }
}
