import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// Image metadata kept on the storage: `meta_data.json` beside each image and the `bs_sftp_info.json`
/// inventory list of the whole backup storage.
struct MetaDataRoutes: CommandRoutes {
    let state: BackupStorageState

    func register(in registry: inout CommandRegistry) {
        registry.async(SftpBackupStorage.Path.writeImageMetaData, writeImageMetaData)
        registry.async(SftpBackupStorage.Path.generateImageMetaDataFile, generateFile)
        registry.async(SftpBackupStorage.Path.checkImageMetaDataFileExist, checkFileExists)
        registry.async(SftpBackupStorage.Path.dumpImageMetaDataToFile, dump)
        registry.async(SftpBackupStorage.Path.deleteImagesMetaData, deleteImage)
        registry.async(SftpBackupStorage.Path.getImagesMetaData, getImages)
    }

    /// Writes the inventory, plus the image's `size` and `md5sum`, to `meta_data.json` in its directory.
    private func writeImageMetaData(_ command: SftpBackupStorage.WriteImageMetaDataCmd, _ context: CommandContext) async throws -> SftpBackupStorage.AgentResponse {
        let root = try state.requireRoot()
        guard var metaData = command.metaData else { throw SftpBackupStorageError("metaData is missing") }
        let image = try root.resolve(metaData["installPath"]?.stringValue, field: "metaData.installPath")
        guard let size = try? Files.size(image) else { throw SftpBackupStorageError("image \(image) does not exist") }
        metaData["size"] = .number(Double(size))
        metaData["md5sum"] = .string(try await FileDigest.md5(ofFileAt: image))
        let target = Files.parentDirectory(of: image) + "/meta_data.json"
        try Files.writeAtomically(Array(try WireJSON.encode(JSONValue.object(metaData))), to: target)
        return root.withCapacity(SftpBackupStorage.AgentResponse())
    }

    private func generateFile(_ command: SftpBackupStorage.StoragePathCmd, _ context: CommandContext) async throws -> SftpBackupStorage.ImageMetaDataFileResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        if !file.exists { try file.write([]) }
        var reply = SftpBackupStorage.ImageMetaDataFileResponse()
        reply.backupStorageMetaFileName = file.path
        reply.bsFileName = file.path
        return root.withCapacity(reply)
    }

    private func checkFileExists(_ command: SftpBackupStorage.StoragePathCmd, _ context: CommandContext) async throws -> SftpBackupStorage.ImageMetaDataFileResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        var reply = SftpBackupStorage.ImageMetaDataFileResponse()
        reply.backupStorageMetaFileName = file.path
        reply.exist = file.exists
        return root.withCapacity(reply)
    }

    /// `dumpAllMetaData`: the file becomes exactly these images; otherwise they are added, replacing any
    /// earlier line of the same image.
    private func dump(_ command: SftpBackupStorage.DumpImageMetaDataCmd, _ context: CommandContext) async throws -> SftpBackupStorage.AgentResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        let inventories = try ImageMetaDataFile.inventories(in: command.imageMetaData)
        let newLines = try inventories.map(ImageMetaDataFile.line)
        if command.dumpAllMetaData == true {
            try file.write(newLines)
        } else {
            let replaced = Set(inventories.compactMap { $0["uuid"]?.stringValue })
            let kept = try file.lines().filter { ImageMetaDataFile.imageUuid(ofLine: $0).map(replaced.contains) != true }
            try file.write(kept + newLines)
        }
        return root.withCapacity(SftpBackupStorage.AgentResponse())
    }

    /// Drops every line mentioning the image uuid (the Python agent's `sed -i '/<uuid>/d'`).
    private func deleteImage(_ command: SftpBackupStorage.DeleteImageMetaDataCmd, _ context: CommandContext) async throws -> SftpBackupStorage.DeleteImageMetaDataResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        guard let imageUuid = command.imageUuid, !imageUuid.isEmpty else {
            throw SftpBackupStorageError("imageUuid is missing")
        }
        if file.exists {
            try file.write(file.lines().filter { !$0.contains(imageUuid) })
        }
        var reply = SftpBackupStorage.DeleteImageMetaDataResponse()
        reply.ret = 0
        reply.out = ""
        return root.withCapacity(reply)
    }

    /// The inventories whose first backup-storage install path still exists inside the storage.
    private func getImages(_ command: SftpBackupStorage.StoragePathCmd, _ context: CommandContext) async throws -> SftpBackupStorage.GetImagesMetaDataResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        let present = try file.lines().filter { line in
            guard let inventory = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                  case let .array(refs)? = inventory["backupStorageRefs"],
                  let installPath = refs.first?["installPath"]?.stringValue,
                  let path = try? root.resolve(installPath, field: "installPath")
            else { return false }
            return FileManager.default.fileExists(atPath: path)
        }
        var reply = SftpBackupStorage.GetImagesMetaDataResponse()
        reply.imagesMetaData = present.joined(separator: "\n")
        return root.withCapacity(reply)
    }

    private func metaDataFile(_ backupStoragePath: String?) throws -> (StorageRoot, ImageMetaDataFile) {
        let root = try state.requireRoot()
        let directory = try root.resolve(backupStoragePath, field: "backupStoragePath", allowRoot: true)
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory else {
            throw SftpBackupStorageError("backupStoragePath \(directory) is not a directory")
        }
        return (root, ImageMetaDataFile(directory: directory))
    }
}
