import CLibvirt

/// How a live migration runs (`virDomainMigrateFlags` plus the typed parameters of
/// `virDomainMigrateToURI3`).
public struct MigrationOptions: Sendable, Equatable {
    /// Flags for `virDomainMigrateToURI3` (`virDomainMigrateFlags`).
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let live = Flags(rawValue: VIR_MIGRATE_LIVE.rawValue)
        public static let peerToPeer = Flags(rawValue: VIR_MIGRATE_PEER2PEER.rawValue)
        public static let persistDestination = Flags(rawValue: VIR_MIGRATE_PERSIST_DEST.rawValue)
        public static let undefineSource = Flags(rawValue: VIR_MIGRATE_UNDEFINE_SOURCE.rawValue)
        public static let autoConverge = Flags(rawValue: VIR_MIGRATE_AUTO_CONVERGE.rawValue)
        public static let compressed = Flags(rawValue: VIR_MIGRATE_COMPRESSED.rawValue)
        /// Copy every disk (`VIR_MIGRATE_NON_SHARED_DISK`).
        public static let copyAllStorage = Flags(rawValue: VIR_MIGRATE_NON_SHARED_DISK.rawValue)
        /// Copy only the top image of each disk (`VIR_MIGRATE_NON_SHARED_INC`).
        public static let copyIncrementalStorage = Flags(rawValue: VIR_MIGRATE_NON_SHARED_INC.rawValue)
    }

    public var flags: Flags
    /// Where the migration stream goes (`VIR_MIGRATE_PARAM_URI`, e.g. `tcp://10.0.0.2`), or nil for the
    /// hypervisor's default.
    public var migrationURI: String?
    /// MiB/s (`VIR_MIGRATE_PARAM_BANDWIDTH`), or nil for unlimited.
    public var bandwidthMiBs: UInt64?

    public init(flags: Flags, migrationURI: String? = nil, bandwidthMiBs: UInt64? = nil) {
        self.flags = flags
        self.migrationURI = migrationURI
        self.bandwidthMiBs = bandwidthMiBs
    }
}

extension LibvirtDomain {
    /// Migrates the domain to the libvirt at `destinationURI` (e.g. `qemu+tcp://10.0.0.2/system`) with
    /// `virDomainMigrateToURI3`. Blocks a worker thread until the migration ends; `abortJob()` from another
    /// task cancels it.
    /// - Throws: `LibvirtError`; drivers without migration (such as `test://`) answer `.noSupport`.
    public func migrate(to destinationURI: String, _ options: MigrationOptions) async throws {
        try await value("virDomainMigrateToURI3") { pointer throws(LibvirtError) in
            var params: virTypedParameterPtr?
            var count: Int32 = 0
            var capacity: Int32 = 0
            defer { virTypedParamsFree(params, count) }
            if let uri = options.migrationURI {
                try LibvirtError.check(virTypedParamsAddString(&params, &count, &capacity, VIR_MIGRATE_PARAM_URI, uri),
                                       "virTypedParamsAddString")
            }
            if let bandwidth = options.bandwidthMiBs {
                try LibvirtError.check(virTypedParamsAddULLong(&params, &count, &capacity, VIR_MIGRATE_PARAM_BANDWIDTH,
                                                               bandwidth), "virTypedParamsAddULLong")
            }
            try LibvirtError.check(virDomainMigrateToURI3(pointer, destinationURI, params, UInt32(count),
                                                          options.flags.rawValue), "virDomainMigrateToURI3")
        }
    }
}
