import TestSupport
import AgentClient
import AgentWire
import Foundation
import Testing

@Suite struct ConnectionTests {
    @Test func connectCreatesStoragePingEchoesUuidAndRestartForgetsIt() async throws {
        let scratch = try SftpAgentHarness.makeScratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with(scratch: scratch) { agent in
                // ZStack's own echo window: the whole suite runs in parallel on a loaded machine.
                try await agent.client.waitForEcho(SftpBackupStorage.Path.echo, timeout: .seconds(60))
                let connected = try await agent.connect(mn)
                #expect(connected.success, "\(connected.error ?? "")")
                var isDirectory: ObjCBool = false
                #expect(FileManager.default.fileExists(atPath: agent.storagePath, isDirectory: &isDirectory) && isDirectory.boolValue)
                // Capacity is the storage file system's, as `stat -f` sees it.
                let fields = try await Program.output(["stat", "-f", "-c", "%S %b %a", agent.storagePath]).split(whereSeparator: \.isWhitespace).compactMap { Int64($0) }
                try #require(fields.count == 3)
                #expect(connected.totalCapacity == fields[0] * fields[1])
                let available = try #require(connected.availableCapacity)
                // Other writers share the disk: allow what they may have written meanwhile.
                #expect(abs(available - fields[0] * fields[2]) < 256 << 20)

                let ping = try await agent.call(SftpBackupStorage.Path.ping, SftpBackupStorage.PingCmd(uuid: "bs-uuid-1"), as: SftpBackupStorage.PingResponse.self, via: mn)
                #expect(ping.success && ping.uuid == "bs-uuid-1")
                #expect(ping.totalCapacity == connected.totalCapacity)
            }
            try await SftpAgentHarness.with(scratch: scratch) { agent in
                let ping = try await agent.call(SftpBackupStorage.Path.ping, SftpBackupStorage.PingCmd(uuid: "bs-uuid-1"), as: SftpBackupStorage.PingResponse.self, via: mn)
                #expect(ping.success && ping.uuid == nil)
                // The wire omits the field rather than sending null, as the Python agent does.
                let raw = try await agent.client.async(SftpBackupStorage.Path.ping, SftpBackupStorage.PingCmd(), as: JSONValue.self, via: mn)
                #expect(raw["uuid"] == nil)
            }
        }
    }

    @Test func connectOnAFileOrARelativePathFails() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                // The configured storage root itself, taken by a plain file.
                let file = agent.storagePath
                try Data("x".utf8).write(to: URL(fileURLWithPath: file))
                let onFile = try await agent.client.sync(
                    SftpBackupStorage.Path.connect, SftpBackupStorage.ConnectCmd(uuid: "u", storagePath: file), as: SftpBackupStorage.AgentResponse.self)
                #expect(!onFile.success && onFile.error?.contains("is not a directory") == true)
                let relative = try await agent.client.sync(
                    SftpBackupStorage.Path.connect, SftpBackupStorage.ConnectCmd(uuid: "u", storagePath: "bs"), as: SftpBackupStorage.AgentResponse.self)
                #expect(!relative.success && relative.error?.contains("absolute") == true)
                // Nothing connected: commands needing the storage say so.
                let size = try await agent.call(SftpBackupStorage.Path.getLocalFileSize, SftpBackupStorage.PathCmd(path: file),
                                                as: SftpBackupStorage.GetLocalFileSizeResponse.self, via: mn)
                #expect(!size.success && size.error?.contains("not connected") == true)
            }
        }
    }
}
