import AgentServer
import AgentWire

/// `/vm/*` and `/job/cancel`: every VM command is async, as in ZStack's `vm_plugin`.
struct VMRoutes: CommandRoutes {
    let vms: VMService

    func register(in registry: inout CommandRegistry) {
        registry.async("/vm/start") { (command: StartVmCmd, _) in try await vms.start(command) }
        registry.async("/vm/stop") { (command: StopVmCmd, _) in try await vms.stop(command) }
        registry.async("/vm/reboot") { (command: RebootVmCmd, _) in try await vms.reboot(command) }
        registry.async("/vm/destroy") { (command: DestroyVmCmd, _) in try await vms.destroy(command) }
        registry.async("/vm/pause") { (command: PauseVmCmd, _) in try await vms.pause(command) }
        registry.async("/vm/resume") { (command: ResumeVmCmd, _) in try await vms.resume(command) }
        registry.async("/vm/vmsync") { (_: EmptyCommand, _) in try await vms.sync() }
        registry.async("/vm/checkstate") { (command: CheckVmStateCmd, _) in try await vms.checkState(command) }
        registry.async("/vm/getvncport") { (command: GetVncPortCmd, _) in try await vms.vncPort(command) }
        registry.async("/vm/attachdatavolume") { (command: AttachDataVolumeCmd, _) in try await vms.attachVolume(command) }
        registry.async("/vm/detachdatavolume") { (command: DetachDataVolumeCmd, _) in try await vms.detachVolume(command) }
        registry.async("/vm/attachnic") { (command: AttachNicCommand, _) in try await vms.attachNIC(command) }
        registry.async("/vm/detachnic") { (command: DetachNicCommand, _) in try await vms.detachNIC(command) }
        registry.async("/vm/online/changecpumem") { (command: ChangeCpuMemoryCmd, _) in try await vms.changeCPUMemory(command) }
        registry.async("/vm/migrate") { (command: MigrateVmCmd, _) in try await vms.migrate(command) }
        registry.async("/job/cancel") { (command: CancelCmd, _) in try await vms.cancelJob(command) }
    }
}
