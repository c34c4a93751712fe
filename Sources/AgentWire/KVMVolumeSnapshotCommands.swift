// KVM agent commands on a volume's snapshot chain (`KVMAgentCommands.java`: TakeSnapshotCmd, CheckSnapshotCmd,
// MergeSnapshotCmd, BlockCommitVolumeCmd). Field names are the Java field names; every request field is
// optional because the MN omits nulls. The MN also sends `kvmHostAddons`, `threadContext`, `taskContext`...,
// which the agent does not read.

extension KVM {
    /// `/vm/volume/takesnapshot` (async): a new top image for the volume, on the running VM through libvirt or
    /// on the files with qemu-img (`KVMHost.doTakeSnapshot`).
    public struct TakeSnapshotCmd: Codable, Sendable, Equatable {
        public var primaryStorageUuid: String?
        /// Nil when the volume is attached to no VM.
        public var vmUuid: String?
        public var volumeUuid: String?
        public var volume: VolumeTO?
        /// Where the snapshot goes: the new overlay of a live snapshot, the copy of a full offline one.
        public var installPath: String?
        public var fullSnapshot: Bool?
        /// The volume's current top image.
        public var volumeInstallPath: String?
        public var newVolumeUuid: String?
        /// Where the volume's new top image goes (offline); nil lets the agent pick one beside `installPath`.
        public var newVolumeInstallPath: String?
        /// Whether the MN believes the VM runs (it is not Stopped).
        public var online: Bool?
        /// Milliseconds.
        public var timeout: Int64?
        public var isBaremetal2InstanceOnlineSnapshot: Bool?

        public init() {}
    }

    /// The MN requires all three fields on success, `size` non-zero, and the two paths different.
    public struct TakeSnapshotResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        /// The volume's top image from now on.
        public var newVolumeInstallPath: String?
        /// The image that is the snapshot (the former top for a delta snapshot).
        public var snapshotInstallPath: String?
        /// Bytes the snapshot occupies.
        public var size: Int64?

        public init() {}
    }

    /// `/vm/volume/checksnapshot` (async): does the volume's chain on the host match the MN's records?
    /// Replied with the bare envelope.
    public struct CheckSnapshotCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var volumeUuid: String?
        public var currentInstallPath: String?
        /// Images (the image cache) left out of the host's chain before comparing.
        public var excludeInstallPaths: [String]?
        /// Each image of the MN's chain and its depth: the highest number is the top.
        public var volumeChainToCheck: [String: Int]?

        public init() {}
    }

    /// `/vm/volume/mergesnapshot` (async): pull the images between `srcPath` and `destPath` (the volume's
    /// top) into `destPath`, so `srcPath` becomes its backing file; with `fullRebase`, pull everything.
    /// Replied with the bare envelope.
    public struct MergeSnapshotCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var volume: VolumeTO?
        public var srcPath: String?
        public var destPath: String?
        public var fullRebase: Bool?

        public init() {}
    }

    /// `/vm/volume/blockcommit` (async): commit `top` and the images between it and `base` into `base`,
    /// which becomes the volume's image when `top` was its top.
    public struct BlockCommitVolumeCmd: Codable, Sendable, Equatable {
        public var vmUuid: String?
        public var volumeUuid: String?
        public var volume: VolumeTO?
        public var top: String?
        public var base: String?

        public init() {}
    }

    /// The MN requires both fields on success (`size` non-zero) and refuses `newVolumeInstallPath == top`.
    public struct BlockCommitVolumeResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var newVolumeInstallPath: String?
        /// Bytes the new image occupies.
        public var size: Int64?

        public init() {}
    }
}
