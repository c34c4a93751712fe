import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// Templates, snapshot reverts and merges, and re-imaging, as `localstorage.py` does them with qemu-img.
/// Every image read is confined with its whole backing chain (a header naming `/etc/shadow` as its backing
/// file would otherwise copy the host's file into a template); every new image is written beside its
/// target and renamed into place when complete, so a failed or cancelled copy leaves nothing.
extension LocalStorageRoutes {
    /// `/volume/createtemplate`: a standalone qcow2 copy of the volume (and its chain) at `installPath`.
    func createTemplate(_ command: KVM.CreateTemplateFromVolumeCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let volume = try await confinedChain(command.volumePath, field: "volumePath")
        let (target, root) = try roots.resolve(command.installPath, field: "installPath")
        try await standaloneCopy(of: volume[0], to: target, apiID: LocalStorageJobs.apiID(command.threadContext),
                                 "creating template \(target) from volume \(volume[0].path)")
        return try await volumeReply(target, storagePath: command.storagePath, root: root)
    }

    /// `/volume/estimatetemplatesize`: what `createtemplate` would need (`actualSize`) and the virtual size.
    func estimateTemplateSize(_ command: KVM.EstimateTemplateSizeCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let volume = try await confinedChain(command.volumePath, field: "volumePath")[0]
        var reply = KVM.LocalStorageResponse()
        reply.actualSize = try await qemuImg.measure(volume.path, format: volume.info.format)
        reply.size = volume.info.virtualSize
        return reply
    }

    /// `/snapshot/revert`: a new volume on the snapshot, beside it, named by a fresh uuid.
    func revertSnapshot(_ command: KVM.RevertVolumeFromSnapshotCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let snapshot = try await confinedChain(command.snapshotInstallPath, field: "snapshotInstallPath")[0]
        let (volume, root) = try roots.resolve(Self.freshImage(in: Files.parentDirectory(of: snapshot.path)), field: "snapshotInstallPath")
        try await clone(snapshot, to: volume)
        var reply = try capacity(of: storagePath(command.storagePath, root: root))
        reply.newVolumeInstallPath = volume
        reply.size = try await qemuImg.info(volume).virtualSize
        return reply
    }

    /// `/reinit/image`: a new root volume on the cached image, in the folder of `volumePath`.
    func reinitImage(_ command: KVM.ReinitImageCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let image = try await confinedChain(command.imagePath, field: "imagePath")[0]
        let (old, root) = try roots.resolve(command.volumePath, field: "volumePath")
        let volume = Self.freshImage(in: Files.parentDirectory(of: old))
        try Files.makeDirectories(Files.parentDirectory(of: volume))
        try await clone(image, to: volume)
        var reply = try capacity(of: storagePath(command.storagePath, root: root))
        reply.newVolumeInstallPath = volume
        return reply
    }

    /// `/snapshot/merge`: the snapshot and everything below it as one standalone image in the workspace.
    func mergeSnapshot(_ command: KVM.LocalStorageMergeSnapshotCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let snapshot = try await confinedChain(command.snapshotInstallPath, field: "snapshotInstallPath")[0]
        let (workspace, root) = try roots.resolve(command.workspaceInstallPath, field: "workspaceInstallPath")
        try await standaloneCopy(of: snapshot, to: workspace, apiID: LocalStorageJobs.apiID(command.threadContext),
                                 "merging snapshot \(snapshot.path) into \(workspace)")
        return try await volumeReply(workspace, storagePath: command.storagePath, root: root)
    }

    /// `/snapshot/mergeandrebase`: each of `snapshotInstallPaths` (top first) gets the next as its backing
    /// file in its header, then the first is merged as `/snapshot/merge` does.
    func mergeAndRebaseSnapshots(_ command: KVM.RebaseAndMergeSnapshotsCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        guard let given = command.snapshotInstallPaths, !given.isEmpty else {
            throw KVMAgentError(.localStorage, "snapshotInstallPaths is missing or empty")
        }
        let snapshots = try given.map { try existingImage($0, field: "snapshotInstallPaths") }
        let (workspace, root) = try roots.resolve(command.workspaceInstallPath, field: "workspaceInstallPath")
        for (image, backing) in zip(snapshots, snapshots.dropFirst()) {
            try await qemuImg.rebaseHeader(image, onto: backing, backingFormat: try await qemuImg.info(backing).format)
        }
        let top = try await confinedChain(snapshots[0], field: "snapshotInstallPaths")[0]
        try await standaloneCopy(of: top, to: workspace, apiID: nil, "merging snapshots \(snapshots[0]) into \(workspace)")
        return try await volumeReply(workspace, storagePath: command.storagePath, root: root)
    }

    /// `/snapshot/offlinemerge`: the stopped volume `destPath` comes to rest on `srcPath`, the data of the
    /// images between copied into it (`fullRebase`: the whole chain, through a copy renamed over it).
    /// Already so is success.
    func offlineMerge(_ command: KVM.OfflineMergeSnapshotCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let chain = try await confinedChain(command.destPath, field: "destPath")
        let (_, root) = try roots.resolve(chain[0].path, field: "destPath")
        let reply = try capacity(of: storagePath(command.storagePath, root: root))
        let full = command.fullRebase == true
        let base = full ? nil : try await confinedChain(command.srcPath, field: "srcPath")[0]
        guard chain[0].info.backingFilename != base?.path else { return reply }
        if let base {
            // Safe mode: whatever the images between held is copied in, so the guest's data stays as it was.
            try await qemuImg.rebase(chain[0].path, onto: base.path, backingFormat: base.info.format)
        } else {
            try await standaloneCopy(of: chain[0], to: chain[0].path, apiID: LocalStorageJobs.apiID(command.threadContext),
                                     "merging the backing chain of \(chain[0].path) into it")
        }
        return reply
    }

    /// `/volume/rebaserootvolumetobackingfile`: the root volume's header names `backingFilePath` (no data
    /// moves).
    func rebaseRootVolume(_ command: KVM.RebaseRootVolumeToBackingFileCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let volume = try existingImage(command.rootVolumePath, field: "rootVolumePath")
        let backing = try existingImage(command.backingFilePath, field: "backingFilePath")
        try await qemuImg.rebaseHeader(volume, onto: backing, backingFormat: try await qemuImg.info(backing).format)
        return KVM.LocalStorageResponse()
    }

    /// `/volume/resize`: the qcow2 volume's new virtual size (`force`: smaller is allowed).
    func resizeVolume(_ command: KVM.LocalStorageResizeVolumeCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let volume = try existingImage(command.installPath, field: "installPath")
        guard let size = command.size, size > 0 else { throw KVMAgentError(.localStorage, "size is missing or not positive") }
        try await qemuImg.resize(volume, to: size, format: "qcow2", shrink: command.force == true)
        var reply = KVM.LocalStorageResponse()
        reply.size = try await qemuImg.info(volume).virtualSize
        return reply
    }

    // MARK: - Helpers

    /// The image at `path` and every file below it, top first, each confined to the local storage.
    func confinedChain(_ path: String?, field: String) async throws -> [QemuImg.ChainImage] {
        let top = try existingImage(path, field: field)
        return try await qemuImg.backingChain(top) { image in
            _ = try roots.resolve(image, field: image == top ? field : "the backing file of \(top)")
        }
    }

    /// Writes `image` with its chain as one standalone qcow2 image over `target` (whose folder is made),
    /// cancellable by `/job/cancel` of `apiID`.
    private func standaloneCopy(of image: QemuImg.ChainImage, to target: String, apiID: String?, _ what: String) async throws {
        guard Files.kind(target) != .directory else { throw KVMAgentError(.localStorage, "\(target) is a directory, not an image file") }
        try await jobs.run(apiID: apiID, target: target, what) { staging in
            let file = try StagedFile(target: target)
            staging(file.temporaryPath)
            do {
                try await qemuImg.convert(image.path, sourceFormat: image.info.format, to: file.temporaryPath)
                try file.commit(mode: 0o644)
            } catch {
                file.discard()
                throw error
            }
        }
    }

    /// A new qcow2 image on `backing`, group-writable as ZStack's agent makes volumes (`qcow2_clone`).
    private func clone(_ backing: QemuImg.ChainImage, to path: String) async throws {
        try prepareNewFile(path)
        try await qemuImg.create(path, backing: backing.path, backingFormat: backing.info.format)
        try Files.setMode(path, 0o660)
    }

    /// `<folder>/<uuid without dashes>.qcow2`, as ZStack's agent names new volumes.
    static func freshImage(in folder: String) -> String {
        folder + "/" + UUID().uuidString.lowercased().replacing("-", with: "") + ".qcow2"
    }
}
