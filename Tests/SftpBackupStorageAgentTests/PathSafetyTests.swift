import AgentClient
import AgentWire
import Foundation
import Testing

@Suite struct PathSafetyTests {
    @Test func pathsEscapingTheStorageAreRefusedAndNothingIsTouched() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                let outside = agent.scratch + "/outside"
                try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
                let secret = outside + "/secret.img"
                try Data("secret".utf8).write(to: URL(fileURLWithPath: secret))
                try FileManager.default.createSymbolicLink(atPath: agent.storagePath + "/link", withDestinationPath: outside)
                let source = agent.scratch + "/src.raw"
                try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: source))

                for installPath in [
                    agent.storagePath + "/../outside/new/x.img",
                    agent.storagePath + "/link/new/x.img",
                    agent.storagePath + "/link/secret.img",
                    outside + "/x.img",
                    "relative/x.img",
                ] {
                    var command = SftpBackupStorage.DownloadCmd()
                    command.url = "file://" + source
                    command.installPath = installPath
                    let reply = try await agent.call(SftpBackupStorage.Path.download, command, as: SftpBackupStorage.DownloadResponse.self, via: mn)
                    #expect(!reply.success, "\(installPath) was accepted")
                    #expect(reply.error?.hasPrefix("installPath refused") == true, "\(reply.error ?? "")")
                }
                let delete = try await agent.call(SftpBackupStorage.Path.delete, SftpBackupStorage.DeleteCmd(installUrl: agent.storagePath + "/link/secret.img"),
                                                  as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(!delete.success)
                let deleteRoot = try await agent.call(SftpBackupStorage.Path.delete, SftpBackupStorage.DeleteCmd(installUrl: agent.storagePath + "/x.img"),
                                                      as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(!deleteRoot.success, "deleting an image directly in the root would remove the root")
                let hash = try await agent.call(SftpBackupStorage.Path.getImageHash, SftpBackupStorage.PathCmd(path: "/etc/passwd"),
                                                as: SftpBackupStorage.GetImageHashResponse.self, via: mn)
                #expect(!hash.success && hash.hash == nil)
                let metadata = try await agent.call(SftpBackupStorage.Path.generateImageMetaDataFile,
                                                    SftpBackupStorage.StoragePathCmd(backupStoragePath: agent.storagePath + "/link"),
                                                    as: SftpBackupStorage.ImageMetaDataFileResponse.self, via: mn)
                #expect(!metadata.success)

                #expect(agent.files(under: outside) == ["secret.img"])
                #expect(try String(contentsOfFile: secret, encoding: .utf8) == "secret")
                #expect(agent.files(under: agent.storagePath) == ["link"])
                #expect(FileManager.default.fileExists(atPath: agent.storagePath))
            }
        }
    }
}
