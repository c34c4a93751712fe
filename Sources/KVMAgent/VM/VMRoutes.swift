import AgentServer
import AgentWire

/// `/vm/*` and `/job/cancel`: every VM command is async, as in ZStack's `vm_plugin`.
struct VMRoutes: CommandRoutes {
    let vms: VMService
    /// Stops the other jobs of an API `/job/cancel` names (local-storage copies and merges).
    let cancelOtherJobs: @Sendable (_ apiID: String) async -> Void

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.startVm) { (command: KVM.StartVmCmd, _) in try await vms.start(command) }
        registry.async(KVM.Path.stopVm) { (command: KVM.StopVmCmd, _) in try await vms.stop(command) }
        registry.async(KVM.Path.rebootVm) { (command: KVM.RebootVmCmd, _) in try await vms.reboot(command) }
        registry.async(KVM.Path.destroyVm) { (command: KVM.DestroyVmCmd, _) in try await vms.destroy(command) }
        registry.async(KVM.Path.pauseVm) { (command: KVM.PauseVmCmd, _) in try await vms.pause(command) }
        registry.async(KVM.Path.resumeVm) { (command: KVM.ResumeVmCmd, _) in try await vms.resume(command) }
        registry.async(KVM.Path.vmSync) { (_: EmptyCommand, _) in try await vms.sync() }
        registry.async(KVM.Path.checkVmState) { (command: KVM.CheckVmStateCmd, _) in try await vms.checkState(command) }
        registry.async(KVM.Path.getVncPort) { (command: KVM.GetVncPortCmd, _) in try await vms.vncPort(command) }
        registry.async(KVM.Path.attachDataVolume) { (command: KVM.AttachDataVolumeCmd, _) in try await vms.attachVolume(command) }
        registry.async(KVM.Path.detachDataVolume) { (command: KVM.DetachDataVolumeCmd, _) in try await vms.detachVolume(command) }
        registry.async(KVM.Path.attachNic) { (command: KVM.AttachNicCommand, _) in try await vms.attachNIC(command) }
        registry.async(KVM.Path.detachNic) { (command: KVM.DetachNicCommand, _) in try await vms.detachNIC(command) }
        registry.async(KVM.Path.changeCpuMemory) { (command: KVM.ChangeCpuMemoryCmd, _) in try await vms.changeCPUMemory(command) }
        registry.async(KVM.Path.migrateVm) { (command: KVM.MigrateVmCmd, _) in try await vms.migrate(command) }
        registry.async(KVM.Path.cancelJob) { (command: KVM.CancelCmd, _) in
            if let apiID = command.cancellationApiId { await cancelOtherJobs(apiID) }
            return try await vms.cancelJob(command)
        }
        registry.async(KVM.Path.syncVmDeviceInfo) { (command: KVM.SyncVmDeviceInfoCmd, _) in try await vms.syncDeviceInfo(command) }
        registry.async(KVM.Path.getVmDeviceAddress) { (command: KVM.GetVmDeviceAddressCmd, _) in try await vms.deviceAddresses(command) }
        registry.async(KVM.Path.increaseCpu) { (command: KVM.IncreaseCpuCmd, _) in try await vms.increaseCPU(command) }
        registry.async(KVM.Path.increaseMemory) { (command: KVM.IncreaseMemoryCmd, _) in try await vms.increaseMemory(command) }
        registry.async(KVM.Path.attachIso) { (command: KVM.AttachIsoCmd, _) in try await vms.attachISO(command) }
        registry.async(KVM.Path.detachIso) { (command: KVM.DetachIsoCmd, _) in try await vms.detachISO(command) }
        registry.async(KVM.Path.updateNic) { (command: KVM.UpdateNicCmd, _) in try await vms.updateNICs(command) }
        registry.async(KVM.Path.changeNicState) { (command: KVM.ChangeVmNicStateCommand, _) in try await vms.changeNICState(command) }
        registry.async(KVM.Path.updateVmPriority) { (command: KVM.UpdateVmPriorityCmd, _) in try await vms.updatePriority(command) }
        registry.async(KVM.Path.volumeSync) { (command: KVM.VolumeSyncCmd, _) in try await vms.volumeSync(command) }
    }
}
