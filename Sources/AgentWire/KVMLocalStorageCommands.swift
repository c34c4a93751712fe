// KVM local primary storage commands (`LocalStorageKvmBackend.java`). Every command carries the
// `PrimaryStorageCommand` fields and every reply the capacity; field names are the Java field names.

extension KVM {
    /// `/localstorage/init`.
    public struct LocalStorageInitCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var path: String?
        public var hostUuid: String?
        public var initFilePath: String?

        public init() {}
    }

    /// `/localstorage/getphysicalcapacity`.
    public struct LocalStorageCapacityCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var hostUuid: String?

        public init() {}
    }

    /// `/localstorage/volume/createempty`.
    public struct CreateEmptyVolumeCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var installUrl: String?
        /// Bytes.
        public var size: Int64?
        public var accountUuid: String?
        public var name: String?
        public var volumeUuid: String?
        public var backingFile: String?

        public init() {}
    }

    /// `/localstorage/volume/createvolumefromcache`.
    public struct CreateVolumeFromCacheCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var templatePathInCache: String?
        public var installUrl: String?
        public var volumeUuid: String?
        /// Bytes; grow the new volume to this size when larger than the template.
        public var virtualSize: Int64?

        public init() {}
    }

    /// `/localstorage/volume/createwithbacking`.
    public struct CreateVolumeWithBackingCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var templatePathInCache: String?
        public var installPath: String?
        public var volumeUuid: String?

        public init() {}
    }

    /// `/localstorage/delete`.
    public struct LocalStorageDeleteCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var hostUuid: String?
        public var path: String?
        public var username: String?

        public init() {}
    }

    /// `/localstorage/checkbits`.
    public struct LocalStorageCheckBitsCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var path: String?
        public var username: String?

        public init() {}
    }

    /// `/localstorage/volume/getsize`.
    public struct GetVolumeSizeCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumeUuid: String?
        public var installPath: String?

        public init() {}
    }

    /// Every local-storage reply: the capacity plus the fields of the paths that have them, named as the
    /// Java response classes name them. Unset fields are omitted on the wire.
    public struct LocalStorageResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        /// Bytes.
        public var totalCapacity: Int64?
        /// Bytes.
        public var availableCapacity: Int64?
        /// `/init`.
        public var localStorageUsedCapacity: Int64?
        /// Bytes on disk: volume creation, getsize, createtemplate, estimatetemplatesize, merges.
        public var actualSize: Int64?
        /// Bytes: the virtual size, except `getbackingfile` (the backing file's bytes) and `getbaseimagepath`
        /// (the bytes of the base image's chain), as ZStack's agent reports them.
        public var size: Int64?
        /// `/delete`, `/deletedir`: the file or folder is open.
        public var inUse: Bool?
        /// `/checkbits`.
        public var existing: Bool?
        /// `/check/initializedfile`; Java reads a missing one as true, so it is always sent there.
        public var existed: Bool?
        /// `/snapshot/revert`, `/reinit/image`.
        public var newVolumeInstallPath: String?
        /// `/getmd5`, in the order of the command's files.
        public var md5s: [Md5TO]?
        /// `/volume/getbackingfile`.
        public var backingFilePath: String?
        /// `/volume/getbackingchain`: the backing files below the volume, nearest first (the volume itself
        /// is not in it).
        public var backingChain: [String]?
        /// `/volume/getbackingchain`: bytes of the files of `backingChain`; `/kvmhost/download/progress`:
        /// bytes of the named files so far.
        public var totalSize: Int64?
        /// `/volume/batchgetsize`: volume uuid → bytes on disk, for the volumes that could be read.
        public var actualSizes: [String: Int64]?
        /// `/volume/getbaseimagepath`: the image-cache file the volume's chain stands on.
        public var path: String?
        /// `/volume/getbaseimagepath`: other image-cache files the volume's folder refers to.
        public var otherPaths: [String]?
        /// `/getqcow2reference`.
        public var referencePaths: [String]?
        /// `/getqcow2hash`: the file's MD5.
        public var hashValue: String?
        /// `/kvmhost/download`: the downloaded image's format.
        public var format: String?

        public init() {}
    }

    /// What both directions of a local storage ⇄ SFTP backup storage transfer name: the backup storage's SSH
    /// endpoint and the file on each side.
    public protocol SftpBitsCommand: Sendable {
        var storagePath: String? { get }
        var sshKey: String? { get }
        var username: String? { get }
        var hostname: String? { get }
        var sshPort: Int? { get }
        var backupStorageInstallPath: String? { get }
        var primaryStorageInstallPath: String? { get }
    }

    /// `/localstorage/sftp/download`: pull an image from the SFTP backup storage into the local storage.
    /// `sshKey` is the private key text (masked in logged bodies by `SensitiveFields`).
    public struct SftpDownloadBitsCmd: SftpBitsCommand, Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var sshKey: String?
        public var username: String?
        public var hostname: String?
        public var sshPort: Int?
        public var backupStorageInstallPath: String?
        public var primaryStorageInstallPath: String?
        /// Bytes per second the Python agent hands to `scp -l`; not applied by this agent.
        public var bandWidth: Int64?

        public init() {}
    }

    /// `/localstorage/sftp/upload`: push a local-storage file to the SFTP backup storage.
    public struct SftpUploadBitsCmd: SftpBitsCommand, Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var sshKey: String?
        public var username: String?
        public var hostname: String?
        public var sshPort: Int?
        public var backupStorageInstallPath: String?
        public var primaryStorageInstallPath: String?
        public var imageName: String?

        public init() {}
    }
}
