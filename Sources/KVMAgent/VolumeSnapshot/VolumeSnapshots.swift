import AgentWire
import HostSystem
import Libvirt

/// The commands on a volume's snapshot chain (`/vm/volume/takesnapshot`, `checksnapshot`, `mergesnapshot`,
/// `blockcommit`), as ZStack's `vm_plugin` answers them: on a VM running (or paused) here through libvirt
/// (`LiveDisk`), on a stopped VM's or a detached volume's files with qemu-img.
///
/// Whether the VM runs is what this host says, not the MN: a VM with no domain here, or a shut-off one, is
/// stopped. A snapshot also checks the MN's `online` against it, as ZStack's agent does, since the two
/// disagreeing means the MN's view of the volume is stale.
public struct VolumeSnapshots: Sendable {
    public let connection: LibvirtConnection
    let qemuImg: QemuImg
    let images: VolumeImages
    /// How often a live block job's progress is read.
    public let blockJobPollInterval: Duration

    public init(connection: LibvirtConnection, qemuImg: QemuImg, volumePaths: VolumePathPolicy,
                blockJobPollInterval: Duration = .milliseconds(500)) {
        self.connection = connection
        self.qemuImg = qemuImg
        self.images = VolumeImages(qemuImg: qemuImg, paths: volumePaths)
        self.blockJobPollInterval = blockJobPollInterval
    }

    // MARK: - /vm/volume/takesnapshot

    /// A delta snapshot freezes the volume's top image, which becomes the snapshot, under a new top
    /// (`newVolumeInstallPath`, or a new name beside `installPath`; live: `installPath`). A full snapshot is a
    /// standalone copy of the volume at `installPath` with the new top on it (live: the chain is pulled into
    /// the top first, which then becomes the snapshot).
    public func take(_ command: KVM.TakeSnapshotCmd) async throws -> KVM.TakeSnapshotResponse {
        guard command.isBaremetal2InstanceOnlineSnapshot != true else {
            throw KVMAgentError(.volumeSnapshot, "online snapshots of baremetal2 instances are not supported by this agent")
        }
        let volume = try images.existing(command.volumeInstallPath, "volumeInstallPath")
        let full = command.fullSnapshot == true
        let (snapshot, newVolume) = try await onHost(command.vmUuid, expectRunning: command.online, "take a snapshot of volume \(volume)") {
            try await takeLive(command, on: $0, volume: volume, full: full)
        } offline: {
            try await takeOffline(command, volume: volume, full: full)
        }
        var reply = KVM.TakeSnapshotResponse()
        reply.snapshotInstallPath = snapshot
        reply.newVolumeInstallPath = newVolume
        reply.size = try await images.size(of: snapshot)
        return reply
    }

    private func takeLive(_ command: KVM.TakeSnapshotCmd, on domain: LibvirtDomain, volume: String,
                          full: Bool) async throws -> (snapshot: String, newVolume: String) {
        let disk = try await liveDisk(command.volume?.installPath ?? volume, of: domain)
        let previous = disk.activeImage
        let chain = try await images.chain(previous)
        try images.refuseInternalSnapshots(chain)
        let overlay = try images.newImage(command.installPath, "installPath")
        guard overlay != previous else { throw KVMAgentError(.volumeSnapshot, "installPath \(overlay) is the volume's own image") }
        // The first full snapshot of a volume on its image (or on nothing) is the volume itself: no pull.
        if full && chain.count > 2 {
            try await disk.pull(base: nil)
            if let backing = try await qemuImg.info(previous).backingPath {
                throw KVMAgentError(.volumeSnapshot, "block pull into \(previous) finished, but it still has the backing file \(backing)")
            }
        } else if !full {
            try images.checkRoomForDelta(chain)
        }
        let reuse = Files.exists(overlay)
        try await images.creating(overlay) {
            do {
                try await disk.snapshot(to: overlay, reuse: reuse)
            } catch {
                // ZStack's agent saw libvirt report a failure after qemu had switched to the overlay: then
                // the snapshot was taken, and the overlay is the volume's top (never to be removed).
                let now = try? await liveDisk(overlay, of: domain)
                if now == nil { throw error }
            }
        }
        return (previous, overlay)
    }

    private func takeOffline(_ command: KVM.TakeSnapshotCmd, volume: String,
                             full: Bool) async throws -> (snapshot: String, newVolume: String) {
        let chain = try await images.chain(volume)
        try images.refuseInternalSnapshots(chain)
        let format = chain[0].info.format
        guard full else {
            try images.checkRoomForDelta(chain)
            let newVolume = try images.newImage(try command.newVolumeInstallPath ?? images.defaultNewImage(
                beside: images.permitted(command.installPath, "installPath")), "newVolumeInstallPath")
            try await images.creating(newVolume) { try await qemuImg.create(newVolume, backing: volume, backingFormat: format) }
            return (volume, newVolume)
        }
        let snapshot = try images.newImage(command.installPath, "installPath")
        let newVolume = try images.newImage(command.newVolumeInstallPath ?? images.defaultNewImage(beside: snapshot), "newVolumeInstallPath")
        guard newVolume != snapshot else { throw KVMAgentError(.volumeSnapshot, "newVolumeInstallPath and installPath are both \(snapshot)") }
        try await images.creating(snapshot) {
            try await qemuImg.convert(volume, sourceFormat: format, to: snapshot)
            try await images.creating(newVolume) { try await qemuImg.create(newVolume, backing: snapshot, backingFormat: "qcow2") }
        }
        return (snapshot, newVolume)
    }

    // MARK: - /vm/volume/checksnapshot

    /// Compares the volume's chain on this host (`currentInstallPath` and its backing files, less
    /// `excludeInstallPaths`) with the MN's (`volumeChainToCheck`, deepest first); on a running VM the MN's
    /// top must also be what the VM reads.
    public func check(_ command: KVM.CheckSnapshotCmd) async throws -> EmptyReply {
        let current = try images.existing(command.currentInstallPath, "currentInstallPath")
        let expected = (command.volumeChainToCheck ?? [:]).sorted { ($0.value, $0.key) > ($1.value, $1.key) }.map(\.key)
        guard let top = expected.first else { throw KVMAgentError(.volumeSnapshot, "volumeChainToCheck is empty") }
        let volume = command.volumeUuid ?? "?"
        try await onHost(command.vmUuid, expectRunning: nil, "check the snapshot chain of volume \(volume)") { domain in
            guard (try? await liveDisk(top, of: domain)) != nil else {
                throw KVMAgentError(.volumeSnapshot, "cannot find volume[uuid:\(volume)] with install path \(top) on vm \(domain.name). Please check the volume's top layer")
            }
        } offline: {}
        let excluded = Set(command.excludeInstallPaths ?? [])
        let found = try await images.chain(current).map(\.path).filter { !excluded.contains($0) }
        guard found == expected else {
            throw KVMAgentError(.volumeSnapshot, "the snapshot chain of volume[uuid:\(volume)] differs, top first: the management "
                + "node has \(expected.joined(separator: ", ")); this host has \(found.joined(separator: ", "))")
        }
        return EmptyReply()
    }

    // MARK: - /vm/volume/mergesnapshot

    /// Pulls the images between `srcPath` and the volume's top `destPath` into the top, so `srcPath` becomes
    /// its backing file (`fullRebase`: everything, leaving the top standalone). Already so is success.
    /// ZStack's agent refuses this path unless the VM runs (the MN sends stopped VMs' merges to the storage
    /// plugins); here a VM the MN still thinks running but that is stopped gets the same files by qemu-img.
    public func merge(_ command: KVM.MergeSnapshotCmd) async throws -> EmptyReply {
        let top = try images.existing(command.destPath, "destPath")
        let chain = try await images.chain(top)
        let base = command.fullRebase == true ? nil : try images.requireBelowTop(images.existing(command.srcPath, "srcPath"), "srcPath", in: chain)
        guard chain.dropFirst().first?.path != base?.path else { return EmptyReply() }
        try await onHost(command.vmUuid, expectRunning: nil, "merge snapshots into \(top)") { domain in
            try await liveDisk(top, of: domain).pull(base: base?.path)
            let backing = try await qemuImg.info(top).backingPath
            guard backing == base?.path else {
                throw KVMAgentError(.volumeSnapshot, "live merge into \(top) finished, but its backing file is \(backing ?? "none"), not \(base?.path ?? "none")")
            }
        } offline: {
            try await qemuImg.rebase(top, onto: base?.path, backingFormat: base?.info.format ?? "qcow2")
        }
        return EmptyReply()
    }

    // MARK: - /vm/volume/blockcommit

    /// Commits `top` and the images between it and `base` into `base`, which the reply names as the volume's
    /// image (a live VM whose top was `top` is pivoted onto it).
    public func commit(_ command: KVM.BlockCommitVolumeCmd) async throws -> KVM.BlockCommitVolumeResponse {
        let top = try images.existing(command.top, "top")
        let base = try images.requireBelowTop(images.existing(command.base, "base"), "base", in: await images.chain(top)).path
        try await onHost(command.vmUuid, expectRunning: nil, "commit \(top) into \(base)") { domain in
            try await liveDisk(command.volume?.installPath ?? top, of: domain).commit(top: top, base: base)
        } offline: {
            try await qemuImg.commit(top, into: base)
        }
        var reply = KVM.BlockCommitVolumeResponse()
        reply.newVolumeInstallPath = base
        reply.size = try await images.size(of: base)
        return reply
    }

    // MARK: - Where the volume is

    /// Runs `live` with the VM's domain when it runs or is paused here, else `offline` (no VM given, no
    /// domain, or shut off). A VM in another state (crashed) is refused, as is one whose state contradicts
    /// `expectRunning` (the MN's `online`).
    private func onHost<T>(_ vmUuid: String?, expectRunning: Bool?, _ what: String,
                           live: (LibvirtDomain) async throws -> T, offline: () async throws -> T) async throws -> T {
        guard let vmUuid, !vmUuid.isEmpty else { return try await offline() }
        let domain = try await connection.domain(named: vmUuid)
        defer { domain?.close() }
        let state = if let domain { KvmVmState(try await domain.state().state) } else { KvmVmState.shutdown }
        let running: Bool
        switch state {
        case .running, .paused: running = true
        case .shutdown: running = false
        case .crashed, .noState:
            throw KVMAgentError(.volumeSnapshot, "cannot \(what): vm \(vmUuid) is \(state.rawValue) on this host, not Running, Paused or stopped")
        }
        if let expectRunning, expectRunning != running {
            throw KVMAgentError(.volumeSnapshot, "cannot \(what): vm \(vmUuid) is \(state.rawValue) on this host, but the management "
                + "node asked for an \(expectRunning ? "online" : "offline") snapshot")
        }
        guard let domain, running else { return try await offline() }
        return try await live(domain)
    }

    private func liveDisk(_ path: String, of domain: LibvirtDomain) async throws -> LiveDisk {
        try await LiveDisk(reading: path, of: domain, driver: connection.uri, pollInterval: blockJobPollInterval)
    }
}
