import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// Folders, hard links and the initialized-file marker. Nothing is removed that a process holds open
/// (ZStack's agent asks `lsof`; the MN reads `inUse` and retries later), nor the storage root itself.
extension LocalStorageRoutes {
    /// `/volume/createfolder`: the folder holding `installUrl` (a memory volume's folder, which the VM's
    /// memory snapshot fills), as ZStack's agent makes it.
    func createFolder(_ command: KVM.CreateFolderCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.installUrl, field: "installUrl")
        try Files.makeDirectories(Files.parentDirectory(of: path))
        return try capacity(of: storagePath(command.storagePath, root: root))
    }

    /// `/deletedir`: the folder and everything in it (an image-cache entry, a volume's folder). Gone already
    /// is success.
    func deleteDirectory(_ command: KVM.LocalStorageDeleteCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.path, field: "path")
        guard path != root.path else { throw KVMAgentError(.localStorage, "refusing to delete the local storage root \(root.path)") }
        guard Files.exists(path) else { return try capacity(of: storagePath(command.storagePath, root: root)) }
        guard Files.kind(path) == .directory else { throw KVMAgentError(.localStorage, "\(path) is not a directory; /localstorage/deletedir removes folders only") }
        if let refusal = inUseRefusal(path, "dir") { return refusal }
        // removeTree removes symbolic links inside, never what they point to.
        do { try Files.removeTree(path) } catch {
            throw KVMAgentError(.localStorage, "cannot delete \(path): \(error.detail)")
        }
        return try capacity(of: storagePath(command.storagePath, root: root))
    }

    /// `/unlink`: removes this name of the file (or of each file in the folder) when the file has another;
    /// a file with one name is kept.
    func unlink(_ command: KVM.UnlinkBitsCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (path, root) = try roots.resolve(command.installPath, field: "installPath")
        let files: [String] = switch Files.kind(path) {
        case .directory: try Files.regularFiles(under: path)
        case .regular: [path]
        default: throw KVMAgentError(.localStorage, "installPath \(path) does not exist or is not a file or folder")
        }
        for file in files where try Files.linkCount(file) > 1 {
            let holders = OpenFiles.holders(of: file)
            guard holders.isEmpty else { throw KVMAgentError(.localStorage, "file \(file) is still opened: \(holders.joined(separator: " "))") }
            try Files.removeFile(file)
        }
        return try capacity(of: storagePath(command.storagePath, root: root))
    }

    /// `/volume/hardlink`: every file of `srcDir` gets a second name under `dstDir`; an image anywhere in
    /// the storage whose backing file is one of them is rebased (header only) onto the new name first.
    func hardLinkVolume(_ command: KVM.LinkVolumeNewDirCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let (source, root) = try roots.resolve(command.srcDir, field: "srcDir")
        let destination = try roots.resolve(command.dstDir, field: "dstDir").path
        let storage = try storagePath(command.storagePath, root: root)
        var renamed: [String: String] = [:]
        for file in try Files.regularFiles(under: source) {
            renamed[file] = try roots.resolve(destination + file.dropFirst(source.count), field: "dstDir").path
        }
        for file in try Files.regularFiles(under: storage) {
            guard let backing = try? QemuImg.headerBackingFile(file),
                  let real = try? roots.resolve(backing, field: "backing file").path, let name = renamed[real] else { continue }
            try link(real, as: name)
            try await qemuImg.rebaseHeader(file, onto: name, backingFormat: try await qemuImg.info(name).format)
        }
        for (file, name) in renamed { try link(file, as: name) }
        return try capacity(of: storage)
    }

    /// `/create/initializedfile`: the empty marker file, made if missing.
    func createInitializedFile(_ command: KVM.InitializedFileCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        try Files.createEmptyFileIfMissing(roots.resolveConfigured(command.filePath, field: "filePath"))
        return KVM.LocalStorageResponse()
    }

    /// `/check/initializedfile`: whether the marker is there (`existed`, always sent: Java takes a missing
    /// one for true).
    func checkInitializedFile(_ command: KVM.InitializedFileCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let file = try roots.resolveConfigured(command.filePath, field: "filePath")
        var reply = try capacity(of: roots.resolveConfigured(command.storagePath, field: "storagePath"))
        reply.existed = Files.exists(file)
        return reply
    }

    /// The reply ZStack's agent gives when a process holds `path` (for a folder: a file in it) open: `inUse`,
    /// which tells the MN to keep the deletion for later. Nil when nothing holds it.
    func inUseRefusal(_ path: String, _ what: String) -> KVM.LocalStorageResponse? {
        let holders = OpenFiles.holders(of: path)
        guard !holders.isEmpty else { return nil }
        var reply = KVM.LocalStorageResponse()
        reply.success = false
        reply.inUse = true
        reply.error = "\(what) \(path) is still in use, unable to delete: \(holders.joined(separator: " "))"
        return reply
    }

    /// A second name for `file`, its folder made; a name that already is this file is fine.
    private func link(_ file: String, as name: String) throws {
        guard !Files.sameFile(file, name) else { return }
        try Files.makeDirectories(Files.parentDirectory(of: name))
        try Files.hardLink(file, as: name)
    }
}
