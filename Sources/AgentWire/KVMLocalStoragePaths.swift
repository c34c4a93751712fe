// The local primary storage's paths beyond volumes and SFTP transfers (`LocalStorageKvmBackend.java`,
// `LocalStorageKvmMigrateVmFlow.java`), in the order `localstorage.py` registers them; the first ten are in
// `AgentNamespaces.swift`.

extension KVM.Path {
    public static let localStorageCreateFolder = "/localstorage/volume/createfolder"
    public static let localStorageDeleteDirectory = "/localstorage/deletedir"
    public static let localStorageUnlink = "/localstorage/unlink"
    public static let localStorageRevertSnapshot = "/localstorage/snapshot/revert"
    public static let localStorageReinitImage = "/localstorage/reinit/image"
    public static let localStorageMergeSnapshot = "/localstorage/snapshot/merge"
    public static let localStorageMergeAndRebaseSnapshot = "/localstorage/snapshot/mergeandrebase"
    public static let localStorageOfflineMerge = "/localstorage/snapshot/offlinemerge"
    public static let localStorageCreateTemplate = "/localstorage/volume/createtemplate"
    public static let localStorageEstimateTemplateSize = "/localstorage/volume/estimatetemplatesize"
    public static let localStorageRebaseRootVolumeToBackingFile = "/localstorage/volume/rebaserootvolumetobackingfile"
    public static let localStorageVerifySnapshotChain = "/localstorage/snapshot/verifychain"
    public static let localStorageRebaseSnapshotBackingFiles = "/localstorage/snapshot/rebasebackingfiles"
    public static let localStorageGetMd5 = "/localstorage/getmd5"
    public static let localStorageCheckMd5 = "/localstorage/checkmd5"
    public static let localStorageGetBackingFile = "/localstorage/volume/getbackingfile"
    public static let localStorageGetBackingChain = "/localstorage/volume/getbackingchain"
    public static let localStorageBatchGetVolumeSize = "/localstorage/volume/batchgetsize"
    public static let localStorageGetBaseImagePath = "/localstorage/volume/getbaseimagepath"
    public static let localStorageGetQcow2Reference = "/localstorage/getqcow2reference"
    public static let localStorageResizeVolume = "/localstorage/volume/resize"
    public static let localStorageHardLinkVolume = "/localstorage/volume/hardlink"
    public static let localStorageCheckInitializedFile = "/localstorage/check/initializedfile"
    public static let localStorageCreateInitializedFile = "/localstorage/create/initializedfile"
    public static let localStorageDownloadFromKVMHost = "/localstorage/kvmhost/download"
    public static let localStorageCancelDownloadFromKVMHost = "/localstorage/kvmhost/download/cancel"
    public static let localStorageDownloadFromKVMHostProgress = "/localstorage/kvmhost/download/progress"
    public static let localStorageGetQcow2Hash = "/localstorage/getqcow2hash"
}
