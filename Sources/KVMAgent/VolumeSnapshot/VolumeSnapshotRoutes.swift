import AgentServer
import AgentWire

/// `/vm/volume/*` snapshot commands: all async, as ZStack's `vm_plugin` registers them.
struct VolumeSnapshotRoutes: CommandRoutes {
    let snapshots: VolumeSnapshots

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.takeVolumeSnapshot) { (command: KVM.TakeSnapshotCmd, _) in try await snapshots.take(command) }
        registry.async(KVM.Path.checkVolumeSnapshot) { (command: KVM.CheckSnapshotCmd, _) in try await snapshots.check(command) }
        registry.async(KVM.Path.mergeVolumeSnapshot) { (command: KVM.MergeSnapshotCmd, _) in try await snapshots.merge(command) }
        registry.async(KVM.Path.blockCommitVolume) { (command: KVM.BlockCommitVolumeCmd, _) in try await snapshots.commit(command) }
    }
}
