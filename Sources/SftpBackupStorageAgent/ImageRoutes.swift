import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem
import Logging

/// Image files: download, delete, sizes, hash, and `/job/cancel` for running downloads.
struct ImageRoutes: CommandRoutes {
    let state: BackupStorageState
    let downloader: ImageDownloader

    func register(in registry: inout CommandRegistry) {
        // The command's own `timeout` bounds a download; the route limit only has to stay out of its way.
        registry.async(SftpBackupStorage.Path.download, timeout: .seconds(30 * 24 * 3600), download)
        registry.async(SftpBackupStorage.Path.delete, delete)
        registry.async(SftpBackupStorage.Path.getImageSize, getImageSize)
        registry.async(SftpBackupStorage.Path.getLocalFileSize, getLocalFileSize)
        registry.async(SftpBackupStorage.Path.getImageHash, getImageHash)
        registry.async(SftpBackupStorage.Path.cancelJob, cancelJob)
    }

    private func download(_ command: SftpBackupStorage.DownloadCmd, _ context: CommandContext) async throws -> SftpBackupStorage.DownloadResponse {
        try await downloader.download(command, root: state.requireRoot(), context: context)
    }

    /// Removes the image's directory (ZStack keeps one image per directory), never the storage root itself.
    private func delete(_ command: SftpBackupStorage.DeleteCmd, _ context: CommandContext) async throws -> SftpBackupStorage.AgentResponse {
        let root = try state.requireRoot()
        guard command.installUrl != nil else { throw SftpBackupStorageError("installUrl is missing") }
        let directory = try root.imageDirectory(of: command.installUrl)
        do {
            try Files.removeTree(directory)
        } catch {
            throw SftpBackupStorageError("cannot delete \(directory): \(error.detail)")
        }
        return root.withCapacity(SftpBackupStorage.AgentResponse())
    }

    private func getImageSize(_ command: SftpBackupStorage.GetImageSizeCmd, _ context: CommandContext) async throws -> SftpBackupStorage.GetImageSizeResponse {
        let root = try state.requireRoot()
        let path = try existingFile(root.resolve(command.installPath, field: "installPath"))
        let info = try await QemuImg().info(path)
        var reply = SftpBackupStorage.GetImageSizeResponse()
        reply.size = info.virtualSize
        reply.actualSize = try fileSize(path)
        return root.withCapacity(reply)
    }

    private func getLocalFileSize(_ command: SftpBackupStorage.PathCmd, _ context: CommandContext) async throws -> SftpBackupStorage.GetLocalFileSizeResponse {
        let root = try state.requireRoot()
        var reply = SftpBackupStorage.GetLocalFileSizeResponse()
        reply.size = try fileSize(existingFile(root.resolve(command.path, field: "path")))
        return root.withCapacity(reply)
    }

    private func getImageHash(_ command: SftpBackupStorage.PathCmd, _ context: CommandContext) async throws -> SftpBackupStorage.GetImageHashResponse {
        let root = try state.requireRoot()
        var reply = SftpBackupStorage.GetImageHashResponse()
        reply.hash = try await FileDigest.md5(ofFileAt: existingFile(root.resolve(command.path, field: "path")))
        return root.withCapacity(reply)
    }

    private func cancelJob(_ command: SftpBackupStorage.CancelCommand, _ context: CommandContext) async throws -> SftpBackupStorage.AgentResponse {
        guard let apiId = command.cancellationApiId, !apiId.isEmpty else {
            throw SftpBackupStorageError("cancellationApiId is missing")
        }
        let cancelled = downloader.jobs.cancel(apiId: apiId)
        context.logger.debug("cancel requested", metadata: ["api": "\(apiId)", "downloads": "\(cancelled)"])
        return state.withCapacity(SftpBackupStorage.AgentResponse())
    }

    private func existingFile(_ path: String) throws -> String {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory else {
            throw SftpBackupStorageError("\(path) does not exist or is not a file")
        }
        return path
    }

    private func fileSize(_ path: String) throws -> Int64 {
        do { return try Files.size(path) } catch { throw SftpBackupStorageError("cannot read the size of \(path)") }
    }
}
