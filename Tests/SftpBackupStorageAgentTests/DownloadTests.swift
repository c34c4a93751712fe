import TestSupport
import AgentClient
import AgentWire
import Foundation
import Testing

@Suite struct DownloadTests {
    /// A real qcow2 (64 MiB virtual) holding 3 MiB of data, so the file spans many HTTP chunks.
    private func makeQcow2(in directory: String, name: String = "image.qcow2") async throws -> String {
        let raw = directory + "/fill.raw"
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: (index &* 2_654_435_761) >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: raw))
        _ = try await Program.output(["truncate", "-s", "64M", raw])
        let path = directory + "/" + name
        _ = try await Program.output(["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, path])
        try FileManager.default.removeItem(atPath: raw)
        return path
    }

    private func md5sum(_ path: String) async throws -> String {
        String(try await Program.output(["md5sum", path]).prefix(32))
    }

    private func downloadCmd(_ url: String, to installPath: String, api: String? = nil, timeoutMs: Int64? = nil) -> SftpBackupStorage.DownloadCmd {
        var command = SftpBackupStorage.DownloadCmd()
        command.uuid = "bs-uuid-1"
        command.imageUuid = "img-1"
        command.url = url
        command.installPath = installPath
        command.timeout = timeoutMs
        command.threadContext = api.map { ["api": .string($0), "task-stage": .string("1")] }
        return command
    }

    /// A connected agent, and a scratch folder `served` holding a fresh qcow2 (the image) to serve over HTTP.
    private func withConnectedAgentAndImage(
        _ body: @Sendable (SftpAgentHarness, ManagementNodeEndpoint, _ served: String, _ image: String) async throws -> Void
    ) async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                let served = agent.scratch + "/served"
                try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
                try await body(agent, mn, served, try await makeQcow2(in: served))
            }
        }
    }

    @Test func httpDownloadThroughARedirectChecksMd5FormatAndReportsProgress() async throws {
        try await withConnectedAgentAndImage { agent, mn, served, source in
            let target = agent.storagePath + "/rootVolumeTemplates/acct-1/img-1/image.template"
            let reply = try await ImageHTTPServer.run(serving: served) { http in
                try await agent.call(SftpBackupStorage.Path.download,
                                     downloadCmd(http.url("redirect", "image.qcow2"), to: target, api: "api-1"),
                                     as: SftpBackupStorage.DownloadResponse.self, via: mn)
            }
            #expect(reply.success, "\(reply.error ?? "")")
            let sourceSize = try #require(FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber).int64Value
            #expect(reply.md5Sum == (try await md5sum(source)))
            #expect(try await md5sum(target) == (try await md5sum(source)))
            #expect(reply.format == "qcow2" && reply.size == 64 << 20 && reply.actualSize == sourceSize)
            #expect(reply.totalCapacity != nil && reply.availableCapacity != nil)
            let permissions = try #require(FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber)
            #expect(permissions.intValue == 0o444)
            #expect(agent.files(under: agent.storagePath + "/rootVolumeTemplates/acct-1/img-1") == ["image.template"])

            let reports = try mn.events.filter { $0.commandPath == ProgressReportCmd.commandPath }
                .map { try $0.decode(ProgressReportCmd.self) }
            #expect(reports.last?.progress == "100")
            #expect(reports.allSatisfy { $0.threadContextMap?["api"] == .string("api-1") && $0.resourceUuid == "img-1" && $0.processType == "AddImage" })
            let percents = reports.compactMap { $0.progress.flatMap { Int($0) } }
            #expect(percents == percents.sorted())
        }
    }

    @Test func fileURLDownloadOfARawImageWithoutThreadContextSendsNoProgress() async throws {
        try await ManagementNodeEndpoint.run { mn in
            try await SftpAgentHarness.with { agent in
                defer { agent.removeScratch() }
                _ = try await agent.connect(mn)
                let source = agent.scratch + "/disk.raw"
                _ = try await Program.output(["qemu-img", "create", "-q", "-f", "raw", source, "5M"])
                let target = agent.storagePath + "/img-2/disk.template"
                let reply = try await agent.call(SftpBackupStorage.Path.download, downloadCmd("file://" + source, to: target),
                                                 as: SftpBackupStorage.DownloadResponse.self, via: mn)
                #expect(reply.success, "\(reply.error ?? "")")
                #expect(reply.format == "raw" && reply.size == 5 << 20 && reply.actualSize == 5 << 20)
                #expect(reply.md5Sum == (try await md5sum(source)))
                #expect(mn.events.isEmpty)
            }
        }
    }

    @Test func notFoundTimeoutAndUnsupportedSchemeFailAndLeaveNothing() async throws {
        try await withConnectedAgentAndImage { agent, mn, served, _ in
            try await ImageHTTPServer.run(serving: served) { http in
                let missing = try await agent.call(
                    SftpBackupStorage.Path.download, downloadCmd(http.url("files", "nothing.qcow2"), to: agent.storagePath + "/a/x.img"),
                    as: SftpBackupStorage.DownloadResponse.self, via: mn)
                #expect(!missing.success && missing.error?.contains("HTTP 404") == true, "\(missing.error ?? "")")

                let slow = try await agent.call(
                    SftpBackupStorage.Path.download,
                    downloadCmd(http.url("stall", "image.qcow2"), to: agent.storagePath + "/b/x.img", timeoutMs: 300),
                    as: SftpBackupStorage.DownloadResponse.self, via: mn)
                #expect(!slow.success && slow.error?.contains("timed out") == true, "\(slow.error ?? "")")
            }
            let ftp = try await agent.call(
                SftpBackupStorage.Path.download, downloadCmd("ftp://127.0.0.1/x", to: agent.storagePath + "/c/x.img"),
                as: SftpBackupStorage.DownloadResponse.self, via: mn)
            #expect(!ftp.success && ftp.error?.contains("not supported") == true)
            // No partial file, no temporary file, not even the directories the downloads created.
            #expect(agent.files(under: agent.storagePath) == [])
        }
    }

    @Test func jobCancelStopsARunningDownloadAndLeavesNothing() async throws {
        try await withConnectedAgentAndImage { agent, mn, served, _ in
            try await ImageHTTPServer.run(serving: served) { http in
                async let download = agent.call(
                    SftpBackupStorage.Path.download,
                    downloadCmd(http.url("stall", "image.qcow2"), to: agent.storagePath + "/img-9/x.img", api: "api-cancel"),
                    as: SftpBackupStorage.DownloadResponse.self, via: mn)
                // The first chunk is on its way: the download is running.
                _ = await http.stalled.first { _ in true }
                let cancel = try await agent.call(SftpBackupStorage.Path.cancelJob, SftpBackupStorage.CancelCommand(cancellationApiId: "api-cancel"),
                                                  as: SftpBackupStorage.AgentResponse.self, via: mn)
                #expect(cancel.success)
                let reply = try await download
                #expect(!reply.success && reply.error?.contains("cancelled") == true, "\(reply.error ?? "")")
            }
            #expect(agent.files(under: agent.storagePath) == [])
        }
    }
}
