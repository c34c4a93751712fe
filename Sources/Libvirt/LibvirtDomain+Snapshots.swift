import CLibvirt

/// Flags of `virDomainSnapshotCreateXML` (`virDomainSnapshotCreateFlags`) that external disk snapshots use.
public struct SnapshotCreateFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Keep no snapshot metadata in libvirt: the new overlay file is the whole result.
    public static let noMetadata = SnapshotCreateFlags(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA.rawValue)
    /// Snapshot the disks only, not the guest's memory.
    public static let diskOnly = SnapshotCreateFlags(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY.rawValue)
    /// Use an overlay file that already exists (a pre-created logical volume) instead of creating it.
    public static let reuseExternal = SnapshotCreateFlags(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT.rawValue)
    /// Either every disk named gets its overlay or none does.
    public static let atomic = SnapshotCreateFlags(rawValue: VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC.rawValue)
}

/// Flags of `virDomainBlockCommit` (`virDomainBlockCommitFlags`).
public struct BlockCommitFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `top` is the disk's active image: the job becomes ready instead of ending, and must be pivoted.
    public static let active = BlockCommitFlags(rawValue: VIR_DOMAIN_BLOCK_COMMIT_ACTIVE.rawValue)
    /// Keep the backing names written into the images relative.
    public static let relative = BlockCommitFlags(rawValue: VIR_DOMAIN_BLOCK_COMMIT_RELATIVE.rawValue)
}

/// A disk's block job as `virDomainGetBlockJobInfo` reports it.
public struct BlockJobInfo: Sendable, Equatable {
    /// libvirt's `virDomainBlockJobType` (pull 1, copy 2, commit 3, active commit 4).
    public var type: Int32
    public var cursor: UInt64
    public var end: UInt64

    public init(type: Int32, cursor: UInt64, end: UInt64) {
        self.type = type
        self.cursor = cursor
        self.end = end
    }

    /// All data is copied: a pull or a commit below the top is about to vanish, an active commit is ready
    /// to pivot. (A job that has not measured its work yet reports 0 of 0, which is not done.)
    public var isCopied: Bool { end > 0 && cursor == end }
}

extension LibvirtDomain {
    /// Creates a snapshot from its `<domainsnapshot>` XML (`virDomainSnapshotCreateXML`); the snapshot
    /// handle libvirt returns is released at once, as external disk-only snapshots are used for their files.
    /// - Throws: `LibvirtError`; the `test://` driver refuses `.diskOnly` with `.invalidArgument`
    ///   ("unsupported flags").
    public func createSnapshot(xml: String, _ flags: SnapshotCreateFlags) async throws {
        try await value("virDomainSnapshotCreateXML") { pointer throws(LibvirtError) in
            let snapshot = try LibvirtError.check(virDomainSnapshotCreateXML(pointer, xml, flags.rawValue),
                                                  "virDomainSnapshotCreateXML")
            _ = virDomainSnapshotFree(snapshot)
        }
    }

    /// Starts copying the data of the images below `disk`'s active image down to `base` into it, so `base`
    /// becomes its backing file; nil pulls everything and leaves it standalone (`virDomainBlockRebase`
    /// without copy flags, i.e. a block pull). Returns once the job has started.
    /// - Parameter disk: the target name (`vda`) or the source path.
    public func startBlockPull(disk: String, base: String?) async throws {
        try await run("virDomainBlockRebase") { virDomainBlockRebase($0, disk, base, 0, 0) }
    }

    /// Starts committing the data of `top` and the images between it and `base` down into `base`
    /// (`virDomainBlockCommit`). Returns once the job has started.
    public func startBlockCommit(disk: String, base: String, top: String, _ flags: BlockCommitFlags) async throws {
        try await run("virDomainBlockCommit") { virDomainBlockCommit($0, disk, base, top, 0, flags.rawValue) }
    }

    /// The disk's block job, or nil when it has none (`virDomainGetBlockJobInfo`).
    public func blockJob(disk: String) async throws -> BlockJobInfo? {
        try await value("virDomainGetBlockJobInfo") { pointer throws(LibvirtError) in
            var info = virDomainBlockJobInfo()
            let found = try LibvirtError.check(virDomainGetBlockJobInfo(pointer, disk, &info, 0), "virDomainGetBlockJobInfo")
            return found == 0 ? nil : BlockJobInfo(type: info.type, cursor: UInt64(info.cur), end: UInt64(info.end))
        }
    }

    /// Ends the disk's block job (`virDomainBlockJobAbort`): with `pivot`, a ready active commit or copy
    /// switches the disk to its new image; without, the job is cancelled.
    public func endBlockJob(disk: String, pivot: Bool) async throws {
        let flags = pivot ? VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT.rawValue : 0
        try await run("virDomainBlockJobAbort") { virDomainBlockJobAbort($0, disk, flags) }
    }
}
