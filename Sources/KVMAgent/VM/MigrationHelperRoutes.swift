import AgentServer
import AgentWire
import HostSystem
import Libvirt

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import XML

/// What the MN asks of the hosts around a migration beside the migration itself: the destination hardens
/// the VM's console firewall, the source deletes its chain and removes the VM's UEFI variable store. All
/// async, as ZStack's `vm_plugin` registers them; replies are the envelope.
struct MigrationHelperRoutes: CommandRoutes {
    let vms: VMService
    let firewall: ConsoleFirewall
    /// libvirt's directory of `<vm uuid>.fd` variable stores.
    let nvramDirectory: String

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.hardenConsole) { (command: KVM.HardenVmConsoleCmd, _) in
            try await harden(command)
            return EmptyReply()
        }
        registry.async(KVM.Path.deleteConsoleFirewall) { (command: KVM.DeleteVmConsoleFirewallCmd, _) in
            guard let id = command.vmInternalId else { throw KVMAgentError(.vm, "vmInternalId is missing") }
            try await firewall.delete(chain: ConsoleFirewall.chain(internalId: id))
            return EmptyReply()
        }
        registry.async(KVM.Path.cleanFirmwareFlash) { (command: KVM.CleanVmFirmwareFlashCmd, _) in
            try await cleanFirmwareFlash(command)
            return EmptyReply()
        }
    }

    /// The VM must run here with a console port. Its internal id is the one in its domain's ZStack metadata
    /// (as the Python agent reads it), else the command's.
    private func harden(_ command: KVM.HardenVmConsoleCmd) async throws {
        let uuid = try VMService.required(command.vmUuid, "vmUuid")
        let xml = try await vms.withDomain(uuid) { try await $0.xml(secure: false) }
        let metadataId = try XMLTree(parsing: xml)
            .nodes("/domain/metadata/*[local-name()='zstack']/*[local-name()='internalId']")
            .first?.stringValue.flatMap { Int64($0.trimmingWhitespace()) }
        guard let internalId = metadataId ?? command.vmInternalId else {
            throw KVMAgentError(.vm, "vm \(uuid) has no internalId in its metadata and the command gives no vmInternalId")
        }
        var console = KVM.GetVncPortCmd()
        console.vmUuid = uuid
        guard let port = try await vms.vncPort(console).port else {
            throw KVMAgentError(.vm, "vm \(uuid) has no console port")
        }
        try await firewall.harden(internalId: internalId, port: port, managementIp: command.hostManagementIp)
    }

    /// As the Python agent: only for a VM that is not on this host any more (a VM here still uses its store).
    private func cleanFirmwareFlash(_ command: KVM.CleanVmFirmwareFlashCmd) async throws {
        let uuid = try VMService.required(command.vmUuid, "vmUuid")
        // The uuid becomes a file name: nothing that could name a file outside the directory.
        guard uuid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw KVMAgentError(.vm, "vmUuid '\(uuid)' is not a VM uuid")
        }
        if let domain = try await vms.connection.domain(named: uuid) {
            domain.close()
            return
        }
        do {
            try Files.removeFile("\(nvramDirectory)/\(uuid).fd")
        } catch {
            throw KVMAgentError(.vm, "cannot remove the firmware flash of vm \(uuid): \(error.detail)")
        }
    }
}
