// Local-storage commands on a volume's image files: templates, snapshot reverts and merges, re-imaging,
// backing chains, sizes and hashes (`LocalStorageKvmBackend.java`, `LocalStorageKvmMigrateVmFlow.java`).
// Every command carries the `AgentCommand` fields (`primaryStorageUuid`, `uuid`, `storagePath`); the
// replies are `LocalStorageResponse`. Field names are the Java field names.

extension KVM {
    /// `/localstorage/volume/createtemplate` (`CreateTemplateFromVolumeCmd`, a `HasThreadContext` command):
    /// a standalone qcow2 copy of the volume at `installPath`.
    public struct CreateTemplateFromVolumeCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var installPath: String?
        public var volumePath: String?
        /// Its `api` names the job for `/job/cancel`.
        public var threadContext: [String: JSONValue]?

        public init() {}
    }

    /// `/localstorage/volume/estimatetemplatesize` (`EstimateTemplateSizeCmd`).
    public struct EstimateTemplateSizeCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumePath: String?

        public init() {}
    }

    /// `/localstorage/snapshot/revert` (`RevertVolumeFromSnapshotCmd`): a new volume on the snapshot.
    public struct RevertVolumeFromSnapshotCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var snapshotInstallPath: String?

        public init() {}
    }

    /// `/localstorage/reinit/image` (`ReinitImageCmd`): a new root volume on the image in the cache.
    public struct ReinitImageCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var imagePath: String?
        public var volumePath: String?

        public init() {}
    }

    /// `/localstorage/snapshot/merge` (`MergeSnapshotCmd`, a `HasThreadContext` command): the snapshot and
    /// everything below it as one standalone image at `workspaceInstallPath`.
    public struct LocalStorageMergeSnapshotCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumeUuid: String?
        public var snapshotInstallPath: String?
        public var workspaceInstallPath: String?
        public var threadContext: [String: JSONValue]?

        public init() {}
    }

    /// `/localstorage/snapshot/mergeandrebase` (`RebaseAndMergeSnapshotsCmd`): `snapshotInstallPaths`, top
    /// first, are chained each onto the next, then merged as `/snapshot/merge` does from the first.
    public struct RebaseAndMergeSnapshotsCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumeUuid: String?
        public var snapshotInstallPaths: [String]?
        public var workspaceInstallPath: String?

        public init() {}
    }

    /// `/localstorage/snapshot/offlinemerge` (`OfflineMergeSnapshotCmd`, a `HasThreadContext` command): the
    /// stopped volume `destPath` comes to rest on `srcPath` (`fullRebase`: on nothing).
    public struct OfflineMergeSnapshotCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var srcPath: String?
        public var destPath: String?
        public var fullRebase: Bool?
        public var threadContext: [String: JSONValue]?

        public init() {}
    }

    /// `/localstorage/volume/rebaserootvolumetobackingfile`: `rootVolumePath`'s header names `backingFilePath`
    /// (no data is copied).
    public struct RebaseRootVolumeToBackingFileCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var backingFilePath: String?
        public var rootVolumePath: String?

        public init() {}
    }

    /// One image of a migrated snapshot tree (`LocalStorageKvmMigrateVmFlow.SnapshotTO`).
    public struct SnapshotTO: Codable, Sendable, Equatable {
        public var path: String?
        public var parentPath: String?
        public var snapshotUuid: String?

        public init(path: String? = nil, parentPath: String? = nil, snapshotUuid: String? = nil) {
            self.path = path
            self.parentPath = parentPath
            self.snapshotUuid = snapshotUuid
        }
    }

    /// `/localstorage/snapshot/verifychain` (`VerifySnapshotChainCmd`) and `/snapshot/rebasebackingfiles`
    /// (`RebaseSnapshotBackingFilesCmd`): the same body.
    public struct SnapshotChainCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var snapshots: [SnapshotTO]?

        public init() {}
    }

    /// `/localstorage/volume/getbackingfile` (`GetBackingFileCmd`).
    public struct GetBackingFileCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var path: String?
        public var volumeUuid: String?

        public init() {}
    }

    /// `/localstorage/volume/getbackingchain` (`GetBackingChainCmd`): the fields of `GetVolumeSizeCmd`.
    public typealias GetBackingChainCmd = GetVolumeSizeCmd

    /// `/localstorage/volume/batchgetsize` (`GetBatchVolumeSizeCmd`): volume uuid → install path.
    public struct GetBatchVolumeSizeCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumeUuidInstallPaths: [String: String]?

        public init() {}
    }

    /// `/localstorage/volume/getbaseimagepath` (`GetVolumeBaseImagePathCmd`): which images of the cache the
    /// files in `volumeInstallDir` stand on.
    public struct GetVolumeBaseImagePathCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumeUuid: String?
        public var imageCacheDir: String?
        public var volumeInstallDir: String?
        public var volumeInstallPath: String?

        public init() {}
    }

    /// `/localstorage/getqcow2reference` (`GetQCOW2ReferenceCmd`): the files under `searchingDir` whose
    /// backing file is `path`.
    public struct GetQCOW2ReferenceCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var path: String?
        public var searchingDir: String?

        public init() {}
    }

    /// `/localstorage/getqcow2hash` (`GetQcow2HashValueCmd`).
    public struct GetQcow2HashValueCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var hostUuid: String?
        public var installPath: String?

        public init() {}
    }

    /// `/localstorage/volume/resize`: grow (`force`: or shrink) the qcow2 image to `size` bytes.
    public struct LocalStorageResizeVolumeCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var installPath: String?
        public var size: Int64?
        public var force: Bool?

        public init() {}
    }

    /// `/localstorage/volume/hardlink` (`LinkVolumeNewDirCmd`): the volume's folder linked under a new name
    /// (a data volume becoming a root volume), backing files inside it followed.
    public struct LinkVolumeNewDirCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        public var uuid: String?
        public var storagePath: String?
        public var volumeUuid: String?
        public var srcDir: String?
        public var dstDir: String?

        public init() {}
    }
}
