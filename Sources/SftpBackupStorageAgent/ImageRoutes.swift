import AgentServer
import AgentWire
import Foundation
import HostSystem
import Logging

/// Image files: download, delete, sizes, hash, and `/job/cancel` for running downloads.
struct ImageRoutes: CommandRoutes {
    let state: BackupStorageState
    let downloader: ImageDownloader

    func register(in registry: inout CommandRegistry) {
        // The command's own `timeout` bounds a download; the route limit only has to stay out of its way.
        registry.async(SftpBackupStoragePath.download, timeout: .seconds(30 * 24 * 3600), download)
        registry.async(SftpBackupStoragePath.delete, delete)
        registry.async(SftpBackupStoragePath.getImageSize, getImageSize)
        registry.async(SftpBackupStoragePath.getLocalFileSize, getLocalFileSize)
        registry.async(SftpBackupStoragePath.getImageHash, getImageHash)
        registry.async(SftpBackupStoragePath.cancelJob, cancelJob)
    }

    private func download(_ command: SftpDownloadCmd, _ context: CommandContext) async throws -> SftpDownloadResponse {
        try await downloader.download(command, root: state.requireRoot(), context: context)
    }

    /// Removes the image's directory (ZStack keeps one image per directory), never the storage root itself.
    private func delete(_ command: SftpDeleteCmd, _ context: CommandContext) async throws -> SftpAgentResponse {
        let root = try state.requireRoot()
        guard command.installUrl != nil else { throw SftpBackupStorageError("installUrl is missing") }
        let directory = try root.imageDirectory(of: command.installUrl)
        if FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.removeItem(atPath: directory)
            } catch {
                throw SftpBackupStorageError("cannot delete \(directory): \(error.localizedDescription)")
            }
        }
        return root.withCapacity(SftpAgentResponse())
    }

    private func getImageSize(_ command: SftpGetImageSizeCmd, _ context: CommandContext) async throws -> SftpGetImageSizeResponse {
        let root = try state.requireRoot()
        let path = try existingFile(root.resolve(command.installPath, field: "installPath"))
        let info = try await QemuImg().info(path)
        var reply = SftpGetImageSizeResponse()
        reply.size = info.virtualSize
        reply.actualSize = try fileSize(path)
        return root.withCapacity(reply)
    }

    private func getLocalFileSize(_ command: SftpPathCmd, _ context: CommandContext) async throws -> SftpGetLocalFileSizeResponse {
        let root = try state.requireRoot()
        var reply = SftpGetLocalFileSizeResponse()
        reply.size = try fileSize(existingFile(root.resolve(command.path, field: "path")))
        return root.withCapacity(reply)
    }

    private func getImageHash(_ command: SftpPathCmd, _ context: CommandContext) async throws -> SftpGetImageHashResponse {
        let root = try state.requireRoot()
        var reply = SftpGetImageHashResponse()
        reply.hash = try await FileDigest.md5(ofFileAt: existingFile(root.resolve(command.path, field: "path")))
        return root.withCapacity(reply)
    }

    private func cancelJob(_ command: CancelCommand, _ context: CommandContext) async throws -> SftpAgentResponse {
        guard let apiId = command.cancellationApiId, !apiId.isEmpty else {
            throw SftpBackupStorageError("cancellationApiId is missing")
        }
        let cancelled = downloader.jobs.cancel(apiId: apiId)
        context.logger.debug("cancel requested", metadata: ["api": "\(apiId)", "downloads": "\(cancelled)"])
        return state.withCapacity(SftpAgentResponse())
    }

    private func existingFile(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw SftpBackupStorageError("\(path) does not exist or is not a file")
        }
        return path
    }

    private func fileSize(_ path: String) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        guard let size = attributes[.size] as? NSNumber else {
            throw SftpBackupStorageError("cannot read the size of \(path)")
        }
        return size.int64Value
    }
}
