// SFTP backup-storage commands (`SftpBackupStorageCommands.java`, paths of `SftpBackupStorageConstant`).
// Field names are the Java field names; Swift names are the Java class names without their `Sftp` prefix,
// inside the `SftpBackupStorage` namespace. Every reply carries the storage capacity (`AgentResponse`).

extension SftpBackupStorage {
    /// The paths the sftp backup-storage agent serves (`SftpBackupStorageConstant`, `AgentConstant.CANCEL_JOB`).
    public enum Path {
        public static let connect = "/sftpbackupstorage/connect"
        public static let echo = "/sftpbackupstorage/echo"
        public static let ping = "/sftpbackupstorage/ping"
        public static let download = "/sftpbackupstorage/download"
        public static let delete = "/sftpbackupstorage/delete"
        public static let sshKey = "/sftpbackupstorage/sshkey"
        public static let getImageSize = "/sftpbackupstorage/getimagesize"
        /// The MN's constant ends with `/`; the agent answers both spellings.
        public static let getLocalFileSize = "/sftpbackupstorage/getlocalfilesize/"
        public static let getImageHash = "/sftpbackupstorage/gethash"
        public static let writeImageMetaData = "/sftpbackupstorage/writeimagemetadata"
        public static let generateImageMetaDataFile = "/sftpbackupstorage/generateimagemetadatafile"
        public static let checkImageMetaDataFileExist = "/sftpbackupstorage/checkimagemetadatafileexist"
        public static let dumpImageMetaDataToFile = "/sftpbackupstorage/dumpimagemetadatatofile"
        public static let deleteImagesMetaData = "/sftpbackupstorage/deleteimagesmetadata"
        public static let getImagesMetaData = "/sftpbackupstorage/getimagesmetadata"
        public static let cancelJob = "/job/cancel"
    }

    /// A reply carrying the storage capacity, as every sftp backup-storage reply does.
    public protocol CapacityReply: AgentReply {
        /// Bytes of the file system holding the storage path.
        var totalCapacity: Int64? { get set }
        /// Bytes available to the agent on that file system.
        var availableCapacity: Int64? { get set }
    }

    /// `connect` (sync): names the storage path, the BS uuid and where events go.
    public struct ConnectCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var storagePath: String?
        public var sendCommandUrl: String?

        public init(uuid: String? = nil, storagePath: String? = nil, sendCommandUrl: String? = nil) {
            self.uuid = uuid
            self.storagePath = storagePath
            self.sendCommandUrl = sendCommandUrl
        }
    }

    /// The bare `AgentResponse`: connect, delete, writeimagemetadata, dumpimagemetadatatofile, job cancel.
    public struct AgentResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?

        public init() {}
    }

    /// `ping`: the MN's BS uuid.
    public struct PingCmd: Codable, Sendable, Equatable {
        public var uuid: String?

        public init(uuid: String? = nil) {
            self.uuid = uuid
        }
    }

    /// `ping` reply: the uuid of the last connect, absent after a restart (how the MN notices one).
    public struct PingResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        public var uuid: String?

        public init() {}
    }

    /// `download`: fetch `url` into `installPath`. Carries `HasThreadContext` fields for progress reports.
    public struct DownloadCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var imageUuid: String?
        public var installPath: String?
        public var url: String?
        /// Milliseconds (the MN sends `ApiTimeoutManager.getTimeout()`).
        public var timeout: Int64?
        /// `http`, `https`, `ftp`, `sftp` or `file`; the URL's own scheme wins when they disagree.
        public var urlScheme: String?
        /// Contains `api`, the uuid `/job/cancel` names as `cancellationApiId`.
        public var threadContext: [String: JSONValue]?
        public var threadContextStack: [JSONValue]?
        public var taskContext: [String: JSONValue]?

        public init() {}
    }

    /// `download` reply.
    public struct DownloadResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        /// Hex MD5 of the downloaded bytes (the Python agent sends `"not calculated"`).
        public var md5Sum: String?
        /// Virtual size in bytes, from `qemu-img info`.
        public var size: Int64?
        /// Bytes on disk.
        public var actualSize: Int64?
        /// `qcow2`, `raw`, ... from `qemu-img info`.
        public var format: String?

        public init() {}
    }

    /// `delete`: removes the directory holding `installUrl`.
    public struct DeleteCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var installUrl: String?

        public init(uuid: String? = nil, installUrl: String? = nil) {
            self.uuid = uuid
            self.installUrl = installUrl
        }
    }

    /// `sshkey` reply (`GetSshKeyResponse`): the agent's private key for downloads (legacy).
    public struct GetSshKeyResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        public var sshKey: String?

        public init() {}
    }

    /// `getimagesize`.
    public struct GetImageSizeCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var imageUuid: String?
        public var installPath: String?

        public init(imageUuid: String? = nil, installPath: String? = nil) {
            self.imageUuid = imageUuid
            self.installPath = installPath
        }
    }

    /// `getimagesize` reply (`GetImageSizeRsp`).
    public struct GetImageSizeResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        /// Virtual size in bytes.
        public var size: Int64?
        /// Bytes on disk.
        public var actualSize: Int64?

        public init() {}
    }

    /// `getlocalfilesize` and `gethash`: one path (`GetLocalFileSizeCmd`, `GetImageHashCmd`).
    public struct PathCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var path: String?

        public init(path: String? = nil) {
            self.path = path
        }
    }

    /// `getlocalfilesize` reply (`GetLocalFileSizeRsp`).
    public struct GetLocalFileSizeResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        /// Bytes.
        public var size: Int64?

        public init() {}
    }

    /// `gethash` reply (`GetImageHashRsp`).
    public struct GetImageHashResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        /// Hex MD5 of the file.
        public var hash: String?

        public init() {}
    }

    /// `writeimagemetadata`: `metaData` is the image inventory, with at least `installPath`.
    public struct WriteImageMetaDataCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var metaData: [String: JSONValue]?

        public init(metaData: [String: JSONValue]? = nil) {
            self.metaData = metaData
        }
    }

    /// `generateimagemetadatafile`, `checkimagemetadatafileexist`, `getimagesmetadata`: the BS path only.
    public struct StoragePathCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var backupStoragePath: String?

        public init(backupStoragePath: String? = nil) {
            self.backupStoragePath = backupStoragePath
        }
    }

    /// `generateimagemetadatafile` and `checkimagemetadatafileexist` replies. The file name goes out under both
    /// the Java name (`backupStorageMetaFileName`) and the Python one (`bsFileName`), which upstream disagree on.
    public struct ImageMetaDataFileResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        public var backupStorageMetaFileName: String?
        public var bsFileName: String?
        /// Only for `checkimagemetadatafileexist`.
        public var exist: Bool?

        public init() {}
    }

    /// `dumpimagemetadatatofile` (`DumpImageInfoToMetaDataFileCmd`).
    public struct DumpImageMetaDataCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var backupStoragePath: String?
        /// JSON text of one image inventory or of a list of them.
        public var imageMetaData: String?
        /// true: replace the file's content; false: add (replacing lines of the same images).
        public var dumpAllMetaData: Bool?

        public init(backupStoragePath: String? = nil, imageMetaData: String? = nil, dumpAllMetaData: Bool? = nil) {
            self.backupStoragePath = backupStoragePath
            self.imageMetaData = imageMetaData
            self.dumpAllMetaData = dumpAllMetaData
        }
    }

    /// `deleteimagesmetadata` (`DeleteImageInfoFromMetaDataFileCmd`).
    public struct DeleteImageMetaDataCmd: Codable, Sendable, Equatable {
        public var uuid: String?
        public var imageUuid: String?
        public var imageBackupStorageUuid: String?
        public var backupStoragePath: String?

        public init(imageUuid: String? = nil, backupStoragePath: String? = nil) {
            self.imageUuid = imageUuid
            self.backupStoragePath = backupStoragePath
        }
    }

    /// `deleteimagesmetadata` reply (`DeleteImageInfoFromMetaDataFileRsp`).
    public struct DeleteImageMetaDataResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        /// 0 when the file was rewritten.
        public var ret: Int?
        public var out: String?

        public init() {}
    }

    /// `getimagesmetadata` reply (`GetImagesMetaDataRsp`).
    public struct GetImagesMetaDataResponse: CapacityReply, Equatable {
        public var success = true
        public var error: String?
        public var totalCapacity: Int64?
        public var availableCapacity: Int64?
        /// One JSON image inventory per line, only images whose install path exists.
        public var imagesMetaData: String?

        public init() {}
    }

    /// `/job/cancel` (`CancelCommand`): cancels the running jobs of one API.
    public struct CancelCommand: Codable, Sendable, Equatable {
        public var cancellationApiId: String?

        public init(cancellationApiId: String? = nil) {
            self.cancellationApiId = cancellationApiId
        }
    }
}
