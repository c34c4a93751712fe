import AgentServer
import AgentWire
import HostSystem

/// Copying a file from another KVM host into this local storage (a volume migrated between hosts by the
/// MN's long job), with the SSH key the MN sends, as `/sftp/download` does from a backup storage; and the
/// cancel and progress queries of that long job.
extension LocalStorageRoutes {
    /// `/kvmhost/download`: the file, then its format (`qemu-img info`).
    func downloadFromKVMHost(_ command: KVM.DownloadBitsFromKVMHostCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let transfer = try sftpTransfer(command)
        _ = try await jobs.run(apiID: nil, target: transfer.local, "download of \(transfer.endpoint.describe(transfer.remote))") { staging in
            try await sftp.download(transfer.remote, from: transfer.endpoint, to: transfer.local, staging: staging)
        }
        var reply = try capacity(of: storagePath(command.storagePath, root: transfer.root))
        reply.format = try await qemuImg.info(transfer.local).format
        return reply
    }

    /// `/kvmhost/download/cancel`: stops the download into `primaryStorageInstallPath` (its partial file
    /// goes with it) and removes the file, as ZStack's agent does, whether or not one was running.
    func cancelDownloadFromKVMHost(_ command: KVM.CancelDownloadBitsFromKVMHostCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.primaryStorageInstallPath, field: "primaryStorageInstallPath")
        guard path != root.path, Files.kind(path) != .directory else {
            throw KVMAgentError(.localStorage, "primaryStorageInstallPath \(path) is a folder, not a downloaded file")
        }
        await jobs.cancel(target: path)
        try Files.removeFile(path)
        return try capacity(of: storagePath(command.storagePath, root: root))
    }

    /// `/kvmhost/download/progress`: the bytes of the named files so far, a download's partial file counting
    /// for the file it becomes.
    func downloadFromKVMHostProgress(_ command: KVM.GetDownloadBitsFromKVMHostProgressCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        var total: Int64 = 0
        for given in command.volumePaths ?? [] {
            let path = try roots.resolve(given, field: "volumePaths").path
            let file = Files.kind(path) == .regular ? path : jobs.staging(of: path)
            total += file.flatMap { try? Files.size($0) } ?? 0
        }
        var reply = KVM.LocalStorageResponse()
        reply.totalSize = total
        return reply
    }
}
