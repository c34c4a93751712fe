import AgentServer
import AgentWire
import HostSystem

/// `/localstorage/*`: local primary storage on this host — volumes as qcow2 files made with `qemu-img`, and
/// the filesystem's capacity on the replies that carry it. All async, as ZStack registers them. The paths
/// on images, files and MD5s are in the extensions beside this file.
struct LocalStorageRoutes: CommandRoutes {
    let roots: LocalStorageRoots
    let qemuImg: QemuImg
    let runner: ProcessRunner
    let sftp: SftpImageTransfer
    /// Copies and merges in flight, for `/job/cancel` and `/kvmhost/download/cancel`.
    let jobs: LocalStorageJobs

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.localStorageInit, initialize)
        registry.async(KVM.Path.localStoragePhysicalCapacity, physicalCapacity)
        registry.async(KVM.Path.localStorageCreateEmptyVolume, createEmpty)
        registry.async(KVM.Path.localStorageCreateVolumeFromCache, createFromCache)
        registry.async(KVM.Path.localStorageCreateVolumeWithBacking, createWithBacking)
        registry.async(KVM.Path.localStorageDelete, delete)
        registry.async(KVM.Path.localStorageCheckBits, checkBits)
        registry.async(KVM.Path.localStorageGetVolumeSize, volumeSize)
        registry.async(KVM.Path.localStorageSftpDownload, sftpDownload)
        registry.async(KVM.Path.localStorageSftpUpload, sftpUpload)
        registry.async(KVM.Path.localStorageCreateFolder, createFolder)
        registry.async(KVM.Path.localStorageDeleteDirectory, deleteDirectory)
        registry.async(KVM.Path.localStorageUnlink, unlink)
        registry.async(KVM.Path.localStorageRevertSnapshot, revertSnapshot)
        registry.async(KVM.Path.localStorageReinitImage, reinitImage)
        registry.async(KVM.Path.localStorageMergeSnapshot, mergeSnapshot)
        registry.async(KVM.Path.localStorageMergeAndRebaseSnapshot, mergeAndRebaseSnapshots)
        registry.async(KVM.Path.localStorageOfflineMerge, offlineMerge)
        registry.async(KVM.Path.localStorageCreateTemplate, createTemplate)
        registry.async(KVM.Path.localStorageEstimateTemplateSize, estimateTemplateSize)
        registry.async(KVM.Path.localStorageRebaseRootVolumeToBackingFile, rebaseRootVolume)
        registry.async(KVM.Path.localStorageVerifySnapshotChain, verifySnapshotChain)
        registry.async(KVM.Path.localStorageRebaseSnapshotBackingFiles, rebaseSnapshotBackingFiles)
        registry.async(KVM.Path.localStorageCopyToRemote, copyToRemote)
        registry.async(KVM.Path.localStorageGetMd5, getMd5)
        registry.async(KVM.Path.localStorageCheckMd5, checkMd5)
        registry.async(KVM.Path.localStorageGetBackingFile, backingFile)
        registry.async(KVM.Path.localStorageGetBackingChain, backingChain)
        registry.async(KVM.Path.localStorageBatchGetVolumeSize, batchVolumeSize)
        registry.async(KVM.Path.localStorageGetBaseImagePath, baseImagePath)
        registry.async(KVM.Path.localStorageGetQcow2Reference, qcow2References)
        registry.async(KVM.Path.localStorageResizeVolume, resizeVolume)
        registry.async(KVM.Path.localStorageHardLinkVolume, hardLinkVolume)
        registry.async(KVM.Path.localStorageCheckInitializedFile, checkInitializedFile)
        registry.async(KVM.Path.localStorageCreateInitializedFile, createInitializedFile)
        registry.async(KVM.Path.localStorageDownloadFromKVMHost, downloadFromKVMHost)
        registry.async(KVM.Path.localStorageCancelDownloadFromKVMHost, cancelDownloadFromKVMHost)
        registry.async(KVM.Path.localStorageDownloadFromKVMHostProgress, downloadFromKVMHostProgress)
        registry.async(KVM.Path.localStorageGetQcow2Hash, qcow2Hash)
    }

    private func initialize(_ command: KVM.LocalStorageInitCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let root = try roots.register(command.path ?? command.storagePath)
        if let marker = command.initFilePath {
            let file = try roots.resolve(marker, field: "initFilePath").path
            try Files.makeDirectories(Files.parentDirectory(of: file))
            try Files.createEmptyFileIfMissing(file)
        }
        var reply = try capacity(of: root.path)
        reply.localStorageUsedCapacity = try await apparentSize(root.path)
        return reply
    }

    private func physicalCapacity(_ command: KVM.LocalStorageCapacityCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        try capacity(of: roots.resolve(command.storagePath, field: "storagePath").path)
    }

    private func createEmpty(_ command: KVM.CreateEmptyVolumeCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.installUrl, field: "installUrl")
        if let backingFile = command.backingFile {
            let backing = try existingImage(backingFile, field: "backingFile")
            try prepareNewFile(path)
            try await qemuImg.create(path, backing: backing, backingFormat: try await qemuImg.info(backing).format)
        } else {
            guard let size = command.size, size > 0 else { throw KVMAgentError(.localStorage, "size of the new volume is missing or not positive") }
            try prepareNewFile(path)
            try await qemuImg.create(path, size: size)
        }
        return try await volumeReply(path, storagePath: command.storagePath, root: root)
    }

    private func createFromCache(_ command: KVM.CreateVolumeFromCacheCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let template = try existingImage(command.templatePathInCache, field: "templatePathInCache")
        let (path, root) = try roots.resolve(command.installUrl, field: "installUrl")
        let templateInfo = try await qemuImg.info(template)
        try prepareNewFile(path)
        try await qemuImg.create(path, backing: template, backingFormat: templateInfo.format)
        if let wanted = command.virtualSize, wanted > templateInfo.virtualSize {
            try await qemuImg.resize(path, to: wanted)
        }
        return try await volumeReply(path, storagePath: command.storagePath, root: root)
    }

    private func createWithBacking(_ command: KVM.CreateVolumeWithBackingCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let template = try existingImage(command.templatePathInCache, field: "templatePathInCache")
        let (path, root) = try roots.resolve(command.installPath, field: "installPath")
        let format = try await qemuImg.info(template).format
        try prepareNewFile(path)
        try await qemuImg.create(path, backing: template, backingFormat: format)
        return try await volumeReply(path, storagePath: command.storagePath, root: root)
    }

    /// Removes the file, then its directory if that is left empty (ZStack gives each volume a folder) — never
    /// the storage root, nor a file a process holds open (`inUse`). A path already gone is a success.
    private func delete(_ command: KVM.LocalStorageDeleteCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.path, field: "path")
        guard path != root.path else { throw KVMAgentError(.localStorage, "refusing to delete the local storage root \(root.path)") }
        switch Files.kind(path) {
        case .directory:
            throw KVMAgentError(.localStorage, "\(path) is a directory; /localstorage/delete removes volume files only")
        case nil:
            break
        default:
            if let refusal = inUseRefusal(path, "file") { return refusal }
            try Files.removeFile(path)
            let folder = Files.parentDirectory(of: path)
            if folder != root.path { Files.removeDirectoryIfEmpty(folder) }
        }
        return try capacity(of: storagePath(command.storagePath, root: root))
    }

    private func checkBits(_ command: KVM.LocalStorageCheckBitsCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.path, field: "path")
        var reply = try capacity(of: storagePath(command.storagePath, root: root))
        reply.existing = Files.exists(path)
        return reply
    }

    private func volumeSize(_ command: KVM.GetVolumeSizeCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.installPath, field: "installPath")
        guard Files.exists(path) else { throw KVMAgentError(.localStorage, "volume \(path) does not exist") }
        return try await volumeReply(path, storagePath: command.storagePath, root: root)
    }

    private func sftpDownload(_ command: KVM.SftpDownloadBitsCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let transfer = try sftpTransfer(command)
        try await sftp.download(transfer.remote, from: transfer.endpoint, to: transfer.local)
        return try capacity(of: storagePath(command.storagePath, root: transfer.root))
    }

    private func sftpUpload(_ command: KVM.SftpUploadBitsCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let transfer = try sftpTransfer(command)
        try await sftp.upload(transfer.local, to: transfer.endpoint, at: transfer.remote)
        return try capacity(of: storagePath(command.storagePath, root: transfer.root))
    }

    /// Both ends of a transfer, checked before anything moves: the local file inside a local storage root,
    /// the remote path absolute, the SSH endpoint complete.
    func sftpTransfer(_ command: some KVM.SftpBitsCommand) throws
        -> (local: String, root: ConfinedRoot, remote: String, endpoint: SftpImageTransfer.Endpoint) {
        let (local, root) = try roots.resolve(command.primaryStorageInstallPath, field: "primaryStorageInstallPath")
        let remote = try remotePath(command.backupStorageInstallPath)
        let endpoint = try SftpImageTransfer.Endpoint(hostname: command.hostname, port: command.sshPort,
                                                      username: command.username, sshKey: command.sshKey)
        return (local, root, remote, endpoint)
    }

    // MARK: - Helpers

    /// The backup storage's path: absolute, as its agent reports install paths, so it never depends on the
    /// login directory.
    func remotePath(_ path: String?) throws -> String {
        guard let path, path.hasPrefix("/") else {
            throw KVMAgentError(.localStorage, "backupStorageInstallPath \(path ?? "") is missing or not an absolute path")
        }
        return path
    }

    /// A path inside the storage that must already hold an image (a template in the image cache).
    func existingImage(_ path: String?, field: String) throws -> String {
        let resolved = try roots.resolve(path, field: field).path
        guard Files.kind(resolved) == .regular else {
            throw KVMAgentError(.localStorage, "\(field) \(resolved) does not exist or is not a file")
        }
        return resolved
    }

    /// Makes the parent folder; refuses to overwrite: `qemu-img create` would truncate a volume in use.
    func prepareNewFile(_ path: String) throws {
        guard !Files.exists(path) else { throw KVMAgentError(.localStorage, "\(path) already exists; not overwriting it") }
        try Files.makeDirectories(Files.parentDirectory(of: path))
    }

    func volumeReply(_ path: String, storagePath given: String?, root: ConfinedRoot) async throws -> KVM.LocalStorageResponse {
        let info = try await qemuImg.info(path)
        var reply = try capacity(of: storagePath(given, root: root))
        reply.size = info.virtualSize
        reply.actualSize = info.actualSize
        return reply
    }

    /// The command's `storagePath` when it names a place in the storage, else the root the paths are in.
    func storagePath(_ given: String?, root: ConfinedRoot) throws -> String {
        guard let given, !given.isEmpty else { return root.path }
        return try roots.resolve(given, field: "storagePath").path
    }

    func capacity(of path: String) throws -> KVM.LocalStorageResponse {
        let capacity = try FilesystemCapacity.of(path)
        var reply = KVM.LocalStorageResponse()
        reply.totalCapacity = capacity.totalBytes
        reply.availableCapacity = capacity.availableBytes
        return reply
    }

    /// Bytes of all files under `path` as their sizes say (`du --apparent-size`), as the Python agent reports it.
    func apparentSize(_ path: String) async throws -> Int64 {
        let output = try await runner.run("du", ["--summarize", "--apparent-size", "--block-size=1", path])
        guard let size = output.text.split(whereSeparator: \.isWhitespace).first.flatMap({ Int64($0) }) else {
            throw KVMAgentError(.localStorage, "cannot read the size of \(path) from du: \(output.text)")
        }
        return size
    }
}
