import Libvirt

/// A disk of a running (or paused) VM, whose image chain only libvirt may change: qemu holds the images
/// open, so snapshots, pulls and commits go through libvirt's snapshot and block-job calls, as in ZStack's
/// `vm_plugin` (`take_volume_snapshot`, `merge_snapshot`, `do_block_commit`).
struct LiveDisk {
    let domain: LibvirtDomain
    let disk: AttachedDisk
    /// Every disk of the domain: a snapshot must say `snapshot='no'` for the others, or qemu snapshots all.
    let allDisks: [AttachedDisk]
    /// The connection's URI, named when the driver cannot do what is asked.
    let driver: String
    /// How often a block job's progress is read.
    let pollInterval: Duration

    /// The domain's disk whose active image is `path`.
    init(reading path: String, of domain: LibvirtDomain, driver: String, pollInterval: Duration) async throws {
        let disks = try AttachedDisk.all(inDomainXML: try await domain.xml(secure: false))
        guard let disk = disks.first(where: { $0.source == path }) else {
            throw KVMAgentError(.volumeSnapshot, "unable to find volume[installPath:\(path)] on vm[uuid:\(domain.name)]: no disk of the running VM reads it")
        }
        self.domain = domain
        self.disk = disk
        self.allDisks = disks
        self.driver = driver
        self.pollInterval = pollInterval
    }

    /// The image the disk reads now.
    var activeImage: String { disk.source ?? "" }

    /// An external disk-only snapshot: `overlay` (created by qemu, or reused when it is a pre-made block
    /// device) becomes the active image, backed by the current one. No libvirt metadata is kept.
    func snapshot(to overlay: String, reuse: Bool) async throws {
        var flags: SnapshotCreateFlags = [.diskOnly, .noMetadata, .atomic]
        if reuse { flags.insert(.reuseExternal) }
        let xml = try snapshotXML(overlay: overlay)
        try await libvirt("take a live snapshot of \(disk.target) on vm \(domain.name)", "external disk-only snapshots") {
            try await domain.createSnapshot(xml: xml, flags)
        }
    }

    /// Pulls the data of the images below the active one down to `base` into it, so `base` becomes its
    /// backing file; nil pulls the whole chain in. Returns when the job has ended.
    func pull(base: String?) async throws {
        let what = "pull \(base.map { "the images above \($0)" } ?? "the backing chain") into the top image of \(disk.target) on vm \(domain.name)"
        try await libvirt(what, "block jobs") {
            try await domain.startBlockPull(disk: disk.target, base: base)
            try await waitForJob { $0 == nil }
        }
    }

    /// Commits `top` and the images between it and `base` into `base`. When `top` is the active image the
    /// disk is pivoted to `base` once the data is copied. Returns when the disk no longer needs `top`.
    func commit(top: String, base: String) async throws {
        let active = top == activeImage
        let what = "commit \(top) into \(base) on \(disk.target) of vm \(domain.name)"
        try await libvirt(what, "block jobs") {
            try await domain.startBlockCommit(disk: disk.target, base: base, top: top, active ? [.relative, .active] : [.relative])
            guard active else { return try await waitForJob { $0 == nil } }
            var ended = false
            try await waitForJob { job in
                ended = job == nil
                return ended || job?.isCopied == true
            }
            if ended { throw KVMAgentError(.volumeSnapshot, "cannot \(what): the block commit job ended before it was ready to pivot") }
            try await domain.endBlockJob(disk: disk.target, pivot: true)
        }
        if active {
            let now = try AttachedDisk.all(inDomainXML: try await domain.xml(secure: false)).first { $0.target == disk.target }?.source
            guard now == base else {
                throw KVMAgentError(.volumeSnapshot, "block commit into \(base) finished but \(disk.target) of vm \(domain.name) reads \(now ?? "nothing")")
            }
        }
    }

    /// Polls the disk's block job until `done` says so. A cancelled command cancels the job too, so no copy
    /// goes on behind a reply.
    private func waitForJob(until done: (BlockJobInfo?) -> Bool) async throws {
        do {
            while !done(try await domain.blockJob(disk: disk.target)) {
                try await Task.sleep(for: pollInterval)
            }
        } catch is CancellationError {
            try? await domain.endBlockJob(disk: disk.target, pivot: false)
            throw CancellationError()
        }
    }

    /// The `<domainsnapshot>` naming `overlay` for this disk and `snapshot="no"` for every other.
    func snapshotXML(overlay: String) throws -> String {
        var xml = XMLWriter()
        try xml.element("domainsnapshot") { (snapshot: inout XMLWriter) throws(KVMAgentError) in
            try snapshot.element("disks") { (disks: inout XMLWriter) throws(KVMAgentError) in
                let block = disk.type == "block"
                try disks.element("disk", ["name": disk.target, "snapshot": "external", "type": block ? "block" : "file"]) {
                    (target: inout XMLWriter) throws(KVMAgentError) in
                    target.empty("source", block ? ["dev": overlay] : ["file": overlay])
                    target.empty("driver", ["type": "qcow2"])
                }
                for other in allDisks where other.target != disk.target {
                    disks.empty("disk", ["name": other.target, "snapshot": "no"])
                }
            }
        }
        return xml.output
    }

    /// Runs libvirt calls, putting their errors in the MN's words: a driver that lacks the feature is named
    /// as such (the `test://` driver refuses disk-only snapshots and has no block jobs).
    private func libvirt(_ what: String, _ feature: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as LibvirtError where Self.isDriverLimitation(error) {
            throw KVMAgentError(.volumeSnapshot, "cannot \(what): the libvirt driver \(driver) does not support \(feature) (\(error.message))")
        } catch let error as LibvirtError {
            throw KVMAgentError(.volumeSnapshot, "cannot \(what): \(error.message)")
        }
    }

    /// Drivers answer a call they lack with "not supported", and flags they lack with an invalid argument
    /// saying "unsupported flags" (libvirt's `virCheckFlags`).
    static func isDriverLimitation(_ error: LibvirtError) -> Bool {
        [.noSupport, .operationUnsupported, .argumentUnsupported].contains(error.code)
            || (error.code == .invalidArgument && error.message.contains("unsupported flags"))
    }
}
