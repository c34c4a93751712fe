import AgentServer
import AgentWire
import HostSystem

/// What the MN asks about the storage's images: backing files and chains, sizes (one volume or a thousand
/// at once, for the periodic volume-size sync), which volumes stand on an image of the cache, hashes; and
/// the checks and header rebases of a volume migration's snapshot tree.
extension LocalStorageRoutes {
    /// How many `qemu-img info` run at once for `/volume/batchgetsize`: enough to keep both a disk and the
    /// CPUs busy, far below the agent's limit on child programs.
    static let batchSizeWidth = 8

    /// `/volume/getbackingfile`: the backing file named in the header and its bytes; neither when it has
    /// none.
    func backingFile(_ command: KVM.GetBackingFileCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let image = try existingImage(command.path, field: "path")
        var reply = KVM.LocalStorageResponse()
        if let backing = try QemuImg.headerBackingFile(image) {
            let resolved = try roots.resolve(backing, field: "the backing file of \(image)").path
            reply.backingFilePath = backing
            reply.size = try Files.size(resolved)
        }
        return reply
    }

    /// `/volume/getbackingchain`: the files below the volume, nearest first, and their bytes.
    func backingChain(_ command: KVM.GetBackingChainCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let below = try await confinedChain(command.installPath, field: "installPath").dropFirst().map(\.path)
        var reply = KVM.LocalStorageResponse()
        reply.backingChain = below
        reply.totalSize = try below.reduce(0) { try $0 + Files.size($1) }
        return reply
    }

    /// `/volume/batchgetsize`: the bytes on disk of each volume; one that is missing, unreadable or outside
    /// the storage is left out, as ZStack's agent ignores it, so one bad path does not fail the sync.
    func batchVolumeSize(_ command: KVM.GetBatchVolumeSizeCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let volumes = Array(command.volumeUuidInstallPaths ?? [:])
        var sizes: [String: Int64] = [:]
        try await withThrowingTaskGroup(of: (String, Int64?).self) { group in
            var next = volumes.makeIterator()
            func addNext() {
                guard let (uuid, path) = next.next() else { return }
                group.addTask {
                    guard let resolved = try? roots.resolve(path, field: "volumeUuidInstallPaths").path else { return (uuid, nil) }
                    return (uuid, try? await qemuImg.info(resolved).actualSize)
                }
            }
            for _ in 0..<Self.batchSizeWidth { addNext() }
            while let (uuid, size) = try await group.next() {
                if let size { sizes[uuid] = size }
                addNext()
            }
        }
        var reply = KVM.LocalStorageResponse()
        reply.actualSizes = sizes
        return reply
    }

    /// `/volume/getbaseimagepath`: of the image-cache files that files in the volume's folder stand on, the
    /// one in the volume's own chain (`path`, with the bytes its chain occupies) and the others.
    func baseImagePath(_ command: KVM.GetVolumeBaseImagePathCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let folder = try roots.resolve(command.volumeInstallDir, field: "volumeInstallDir").path
        guard let uuid = command.volumeUuid, !uuid.isEmpty, folder.hasSuffix(uuid) else {
            throw KVMAgentError(.localStorage, "volumeInstallDir \(folder) does not end with volumeUuid \(command.volumeUuid ?? ""): maybe you pass a wrong install dir")
        }
        let cache = try roots.resolve(command.imageCacheDir, field: "imageCacheDir").path
        var bases = Set<String>()
        for file in try Files.regularFiles(under: folder) {
            guard let backing = try? QemuImg.headerBackingFile(file),
                  let real = try? roots.resolve(backing, field: "backing file").path, real.hasPrefix(cache + "/") else { continue }
            bases.insert(real)
        }
        var reply = KVM.LocalStorageResponse()
        for image in try await confinedChain(command.volumeInstallPath, field: "volumeInstallPath") {
            let real = try Files.canonicalPath(image.path)
            guard bases.contains(real) else { continue }
            reply.path = real
            reply.size = try await diskUsage(ofChain: real)
            bases.remove(real)
            break
        }
        reply.otherPaths = bases.sorted()
        return reply
    }

    /// `/getqcow2reference`: the files under `searchingDir` whose header names `path` as the backing file.
    func qcow2References(_ command: KVM.GetQCOW2ReferenceCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let image = try roots.resolve(command.path, field: "path").path
        let folder = try roots.resolve(command.searchingDir, field: "searchingDir").path
        var reply = KVM.LocalStorageResponse()
        reply.referencePaths = try Files.regularFiles(under: folder).filter { file in
            guard let backing = try? QemuImg.headerBackingFile(file) else { return false }
            return (try? roots.resolve(backing, field: "backing file").path) == image
        }.sorted()
        return reply
    }

    /// `/getqcow2hash`: the file's MD5, as `md5sum` prints it.
    func qcow2Hash(_ command: KVM.GetQcow2HashValueCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        var reply = KVM.LocalStorageResponse()
        reply.hashValue = try await FileDigest.md5(ofFileAt: existingImage(command.installPath, field: "installPath"))
        return reply
    }

    /// `/snapshot/verifychain`: every file exists and its header names the MN's parent.
    func verifySnapshotChain(_ command: KVM.SnapshotChainCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        for snapshot in command.snapshots ?? [] {
            let path = try roots.resolve(snapshot.path, field: "snapshots.path").path
            guard Files.exists(path) else { throw KVMAgentError(.localStorage, "cannot find the file[\(path)]") }
            guard let parent = snapshot.parentPath, !parent.isEmpty else { continue }
            guard Files.exists(try roots.resolve(parent, field: "snapshots.parentPath").path) else {
                throw KVMAgentError(.localStorage, "cannot find the backing file[\(parent)]")
            }
            let backing = try QemuImg.headerBackingFile(path)
            guard backing == parent else {
                throw KVMAgentError(.localStorage, "resource[Snapshot or Volume, uuid:\(snapshot.snapshotUuid ?? ""), path:\(path)]'s backing file[\(backing ?? "")] is not equal to \(parent)")
            }
        }
        return KVM.LocalStorageResponse()
    }

    /// `/snapshot/rebasebackingfiles`: each file's header names its parent (after a copy to this host).
    func rebaseSnapshotBackingFiles(_ command: KVM.SnapshotChainCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        for snapshot in command.snapshots ?? [] {
            guard let parent = snapshot.parentPath, !parent.isEmpty else { continue }
            let path = try existingImage(snapshot.path, field: "snapshots.path")
            let backing = try existingImage(parent, field: "snapshots.parentPath")
            try await qemuImg.rebaseHeader(path, onto: backing, backingFormat: try await qemuImg.info(backing).format)
        }
        return KVM.LocalStorageResponse()
    }

    /// Bytes the image and the files below it occupy on disk (`get_qcow2_file_chain_size`).
    private func diskUsage(ofChain path: String) async throws -> Int64 {
        var total: Int64 = 0
        for image in try await confinedChain(path, field: "path") {
            total += try image.info.actualSize ?? Files.size(image.path)
        }
        return total
    }
}
