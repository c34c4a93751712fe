import AgentServer
import AgentWire
import Foundation
import HostSystem

/// Image metadata kept on the storage: `meta_data.json` beside each image and the `bs_sftp_info.json`
/// inventory list of the whole backup storage.
struct MetaDataRoutes: CommandRoutes {
    let state: BackupStorageState

    func register(in registry: inout CommandRegistry) {
        registry.async(SftpBackupStoragePath.writeImageMetaData, writeImageMetaData)
        registry.async(SftpBackupStoragePath.generateImageMetaDataFile, generateFile)
        registry.async(SftpBackupStoragePath.checkImageMetaDataFileExist, checkFileExists)
        registry.async(SftpBackupStoragePath.dumpImageMetaDataToFile, dump)
        registry.async(SftpBackupStoragePath.deleteImagesMetaData, deleteImage)
        registry.async(SftpBackupStoragePath.getImagesMetaData, getImages)
    }

    /// Writes the inventory, plus the image's `size` and `md5sum`, to `meta_data.json` in its directory.
    private func writeImageMetaData(_ command: SftpWriteImageMetaDataCmd, _ context: CommandContext) async throws -> SftpAgentResponse {
        let root = try state.requireRoot()
        guard var metaData = command.metaData else { throw SftpBackupStorageError("metaData is missing") }
        let image = try root.resolve(metaData["installPath"]?.stringValue, field: "metaData.installPath")
        guard let size = (try? FileManager.default.attributesOfItem(atPath: image))?[.size] as? NSNumber else {
            throw SftpBackupStorageError("image \(image) does not exist")
        }
        metaData["size"] = .number(Double(size.int64Value))
        metaData["md5sum"] = .string(try await FileDigest.md5(ofFileAt: image))
        let target = (image as NSString).deletingLastPathComponent + "/meta_data.json"
        try Files.writeAtomically(Array(try WireJSON.encode(JSONValue.object(metaData))), to: target)
        return root.withCapacity(SftpAgentResponse())
    }

    private func generateFile(_ command: SftpBackupStoragePathCmd, _ context: CommandContext) async throws -> SftpImageMetaDataFileResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        if !file.exists { try file.write([]) }
        var reply = SftpImageMetaDataFileResponse()
        reply.backupStorageMetaFileName = file.path
        reply.bsFileName = file.path
        return root.withCapacity(reply)
    }

    private func checkFileExists(_ command: SftpBackupStoragePathCmd, _ context: CommandContext) async throws -> SftpImageMetaDataFileResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        var reply = SftpImageMetaDataFileResponse()
        reply.backupStorageMetaFileName = file.path
        reply.exist = file.exists
        return root.withCapacity(reply)
    }

    /// `dumpAllMetaData`: the file becomes exactly these images; otherwise they are added, replacing any
    /// earlier line of the same image.
    private func dump(_ command: SftpDumpImageMetaDataCmd, _ context: CommandContext) async throws -> SftpAgentResponse {
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
        return root.withCapacity(SftpAgentResponse())
    }

    /// Drops every line mentioning the image uuid (the Python agent's `sed -i '/<uuid>/d'`).
    private func deleteImage(_ command: SftpDeleteImageMetaDataCmd, _ context: CommandContext) async throws -> SftpDeleteImageMetaDataResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        guard let imageUuid = command.imageUuid, !imageUuid.isEmpty else {
            throw SftpBackupStorageError("imageUuid is missing")
        }
        if file.exists {
            try file.write(file.lines().filter { !$0.contains(imageUuid) })
        }
        var reply = SftpDeleteImageMetaDataResponse()
        reply.ret = 0
        reply.out = ""
        return root.withCapacity(reply)
    }

    /// The inventories whose first backup-storage install path still exists inside the storage.
    private func getImages(_ command: SftpBackupStoragePathCmd, _ context: CommandContext) async throws -> SftpGetImagesMetaDataResponse {
        let (root, file) = try metaDataFile(command.backupStoragePath)
        let present = try file.lines().filter { line in
            guard let inventory = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                  case let .array(refs)? = inventory["backupStorageRefs"],
                  let installPath = refs.first?["installPath"]?.stringValue,
                  let path = try? root.resolve(installPath, field: "installPath")
            else { return false }
            return FileManager.default.fileExists(atPath: path)
        }
        var reply = SftpGetImagesMetaDataResponse()
        reply.imagesMetaData = present.joined(separator: "\n")
        return root.withCapacity(reply)
    }

    private func metaDataFile(_ backupStoragePath: String?) throws -> (StorageRoot, ImageMetaDataFile) {
        let root = try state.requireRoot()
        let directory = try root.resolve(backupStoragePath, field: "backupStoragePath", allowRoot: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SftpBackupStorageError("backupStoragePath \(directory) is not a directory")
        }
        return (root, ImageMetaDataFile(directory: directory))
    }
}
