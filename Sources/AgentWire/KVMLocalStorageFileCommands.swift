// Local-storage commands on files and folders rather than images: folders, hard links, the storage's
// initialized-file marker, MD5s of volume files, and the copies of files from and to another KVM host
// (`LocalStorageKvmBackend.java`). Replies are `LocalStorageResponse`.

extension KVM {
    /// `/localstorage/volume/createfolder` (`CreateFolderCmd`). The MN names the volume's folder; ZStack's
    /// agent makes the folder that holds it (`os.path.dirname(installUrl)`).
    public struct CreateFolderCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var installUrl: String?

        public init() {}
    }

    /// `/localstorage/unlink` (`UnlinkBitsCmd`): drop one name of a file (or of each file in a folder) that
    /// has another, as after `/volume/hardlink`.
    public struct UnlinkBitsCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var installPath: String?
        /// Always true from the MN (Java's default): a file with one name is kept.
        public var onlyLinkedFile: Bool?

        public init() {}
    }

    /// `/localstorage/check/initializedfile` (`CheckInitializedFileCmd`) and `/create/initializedfile`
    /// (`CreateInitializedFileCmd`): the marker proving the storage's folder is the one the MN set up.
    public struct InitializedFileCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var filePath: String?

        public init() {}
    }

    /// A file to hash (`GetMd5TO`) or a hash to check (`Md5TO`).
    public struct Md5TO: Codable, Sendable, Equatable {
        public var resourceUuid: String?
        public var path: String?
        public var md5: String?

        public init(resourceUuid: String? = nil, path: String? = nil, md5: String? = nil) {
            self.resourceUuid = resourceUuid
            self.path = path
            self.md5 = md5
        }
    }

    /// `/localstorage/getmd5` (`GetMd5Cmd`) and `/localstorage/checkmd5` (`CheckMd5sumCmd`), both
    /// `HasThreadContext` commands of a volume migration. `stage` (`"10-90"`) is the share of the API's
    /// progress the step covers.
    public struct Md5Cmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var md5s: [Md5TO]?
        public var sendCommandUrl: String?
        public var volumeUuid: String?
        public var stage: String?
        public var threadContext: [String: JSONValue]?
        public var threadContextStack: [JSONValue]?

        public init() {}
    }

    /// `/localstorage/kvmhost/download` (`DownloadBitsFromKVMHostCmd`): copy a file from another KVM host over
    /// SSH; `backupStorageInstallPath` is the path on that host.
    public struct DownloadBitsFromKVMHostCmd: SftpBitsCommand, Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var hostname: String?
        public var username: String?
        public var sshKey: String?
        public var sshPort: Int?
        public var backupStorageInstallPath: String?
        public var primaryStorageInstallPath: String?
        /// Bytes per second; not applied by this agent.
        public var bandWidth: Int64?
        public var identificationCode: String?

        public init() {}
    }

    /// `/localstorage/copytoremote` (`LocalStorageKvmMigrateVmFlow.CopyBitsFromRemoteCmd`, a
    /// `HasThreadContext` command): copy each path with its backing chain to the same paths on the host
    /// `dstIp`, logging in as `dstUsername` (root) with `dstPassword` (masked in logs). `dstPort` is 22 in
    /// Java's default, so Gson always writes it; `stage` (`"10-90"`) is the share of the API's progress.
    public struct CopyBitsFromRemoteCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var sendCommandUrl: String?
        public var paths: [String]?
        public var dstIp: String?
        public var dstPassword: String?
        public var dstUsername: String?
        public var dstPort: Int?
        public var stage: String?
        public var volumeUuid: String?
        public var threadContext: [String: JSONValue]?
        public var threadContextStack: [JSONValue]?

        public init() {}
    }

    /// `/localstorage/kvmhost/download/cancel` (`CancelDownloadBitsFromKVMHostCmd`).
    public struct CancelDownloadBitsFromKVMHostCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var primaryStorageInstallPath: String?

        public init() {}
    }

    /// `/localstorage/kvmhost/download/progress` (`GetDownloadBitsFromKVMHostProgressCmd`).
    public struct GetDownloadBitsFromKVMHostProgressCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumePaths: [String]?

        public init() {}
    }
}
