import AgentServer
import AgentWire
import HostSystem
import Libvirt

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/host/*`, the physical-interface check and the virtualizer info: the MN's handshake with the agent
/// (echo, connect, ping, configuration update, dependency check), what it learns about the host
/// (capacity, facts, files, interfaces, qemu versions) and the host's power.
struct HostRoutes: CommandRoutes {
    let identity: HostIdentity
    let connection: LibvirtConnection
    let configuration: KVMAgentConfiguration
    let volumePaths: VolumePathPolicy
    let virtualizer: Virtualizer
    let power: HostPower
    let dependencies: HostDependencies

    func register(in registry: inout CommandRegistry) {
        registry.echo(KVM.Path.echo)
        registry.sync(KVM.Path.connect, connect)
        registry.async(KVM.Path.ping, ping)
        registry.async(KVM.Path.updateConfiguration, updateConfiguration)
        registry.async(KVM.Path.capacity) { (_: EmptyCommand, _) in try await capacity() }
        registry.async(KVM.Path.fact) { (_: EmptyCommand, _) in
            try await HostFacts(connection: connection, virtualizer: virtualizer, hostUuid: identity.snapshot.hostUuid).gather()
        }
        registry.async(KVM.Path.checkFile) { (command: KVM.CheckFileOnHostCmd, _) in try await checkFiles(command) }
        registry.sync(KVM.Path.checkPhysicalNetworkInterface) { (command: KVM.CheckPhysicalNetworkInterfaceCmd, _) in
            checkInterfaces(command)
        }
        registry.async(KVM.Path.getVirtualizerInfo) { (command: KVM.GetVirtualizerInfoCmd, _) in
            try await virtualizerInfo(command)
        }
        registry.async(KVM.Path.updateDependency) { (command: KVM.UpdateDependencyCmd, context) in
            try dependencies.check(command, logger: context.logger)
        }
        registry.async(KVM.Path.shutdownHost) { (_: EmptyCommand, context) in
            try power.schedule(.shutdown, logger: context.logger)
            return EmptyReply()
        }
        registry.async(KVM.Path.rebootHost) { (_: EmptyCommand, context) in
            try power.schedule(.reboot, logger: context.logger)
            return EmptyReply()
        }
    }

    private func connect(_ command: KVM.ConnectCmd, _ context: CommandContext) async throws -> KVM.ConnectResponse {
        // First: a URL the agent may not post to refuses the whole connect before anything is applied.
        try context.events.setURL(command.sendCommandUrl)
        if let rules = command.iptablesRules, !rules.isEmpty {
            try await IptablesRules(command: configuration.iptablesCommand).apply(rules)
        }
        if let version = command.version { try persist(version: version) }
        identity.update {
            $0.hostUuid = command.hostUuid
            $0.sendCommandUrl = command.sendCommandUrl
            $0.version = command.version
        }
        return KVM.ConnectResponse(libvirtVersion: try await connection.libraryVersion().description,
                               qemuVersion: try await connection.hypervisorVersion().description)
    }

    /// ZStack's deployer reads the version back from this file to decide whether the agent needs upgrading.
    private func persist(version: String) throws {
        do {
            try Files.makeDirectories(configuration.stateDirectory)
            try Files.writeAtomically(Array(version.utf8), to: configuration.versionFilePath)
        } catch {
            throw KVMAgentError(.host, "cannot write the MN version to \(configuration.versionFilePath): \(error.detail)")
        }
    }

    /// What the agent knows of its MN. After a restart `hostUuid` is nil, which makes the MN reconnect; the
    /// version then comes from the file connect persisted, as the Python agent answers. The take-over flag
    /// is touched when it exists: its freshness is how a second MN learns this host is taken.
    private func ping(_ command: KVM.PingCmd, _ context: CommandContext) async throws -> KVM.PingResponse {
        let known = identity.snapshot
        do {
            try Files.touchIfPresent(configuration.takeOverFlagPath)
        } catch {
            throw KVMAgentError(.host, "cannot touch the take-over flag \(configuration.takeOverFlagPath): \(error.detail)")
        }
        return KVM.PingResponse(hostUuid: known.hostUuid, sendCommandUrl: known.sendCommandUrl,
                                version: known.version ?? (try? Files.readText(configuration.versionFilePath).trimmingWhitespace()))
    }

    /// The host's qemu and that of each VM asked for; the host's `uuid` is the one connect gave.
    private func virtualizerInfo(_ command: KVM.GetVirtualizerInfoCmd) async throws -> KVM.GetVirtualizerInfoRsp {
        let info = try await virtualizer.info(hostUuid: identity.snapshot.hostUuid, vmUuids: command.vmUuids ?? [])
        return KVM.GetVirtualizerInfoRsp(hostInfo: info.host, vmInfoList: info.vms)
    }

    private func updateConfiguration(_ command: KVM.UpdateHostConfigurationCmd, _ context: CommandContext) async throws -> EmptyReply {
        try context.events.setURL(command.sendCommandUrl)
        identity.update { $0.sendCommandUrl = command.sendCommandUrl }
        return EmptyReply()
    }

    /// CPUs and memory as libvirt sees the node. Used CPU is the vCPUs of the domains that run; used memory
    /// is what the node does not have free, or, where libvirt cannot tell free memory (a `test://` node
    /// without NUMA cells), what the running domains hold.
    private func capacity() async throws -> KVM.HostCapacityResponse {
        let node = try await connection.nodeInfo()
        var usedCPUs = 0
        var domainMemoryKiB: UInt64 = 0
        for summary in try await connection.allDomains() where KvmVmState(summary.state.state) != .shutdown {
            guard let domain = try await connection.domain(uuid: summary.uuid) else { continue }
            defer { domain.close() }
            guard let info = try? await domain.info() else { continue }  // gone meanwhile
            usedCPUs += info.virtualCPUs
            domainMemoryKiB += info.memoryKiB
        }
        let totalBytes = Int64(node.memoryKiB) * 1024
        var reply = KVM.HostCapacityResponse()
        reply.cpuNum = Int64(node.cpus)
        reply.cpuSpeed = Int64(node.mhz)
        reply.usedCpu = Int64(usedCPUs)
        reply.totalMemory = totalBytes
        if let free = try? await connection.freeMemoryBytes(), free > 0 {
            reply.usedMemory = max(0, totalBytes - Int64(free))
        } else {
            reply.usedMemory = Int64(domainMemoryKiB) * 1024
        }
        reply.cpuSockets = node.sockets
        return reply
    }

    private func checkFiles(_ command: KVM.CheckFileOnHostCmd) async throws -> KVM.CheckFileOnHostResponse {
        var found: [String: String] = [:]
        let paths = command.paths ?? []
        // Probing for files outside the storage roots would let any caller map the host's file system.
        if let outside = paths.first(where: { !volumePaths.roots.permits($0) }) {
            throw KVMAgentError(.host, "'\(outside)' is outside the storage roots this agent serves (\(volumePaths.roots))")
        }
        for path in paths where FileManager.default.fileExists(atPath: path) {
            found[path] = command.md5Return == true ? try await FileDigest.md5(ofFileAt: path) : ""
        }
        return KVM.CheckFileOnHostResponse(existPaths: found)
    }

    private func checkInterfaces(_ command: KVM.CheckPhysicalNetworkInterfaceCmd) -> KVM.CheckPhysicalNetworkInterfaceResponse {
        let missing = (command.interfaceNames ?? []).filter { name in
            !NetworkNames.isInterfaceName(name) || !FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
        }
        var reply = KVM.CheckPhysicalNetworkInterfaceResponse(failedInterfaceNames: missing)
        if !missing.isEmpty {
            // As ZStack's agent: the MN fails the L2 attach when any interface is missing.
            reply.success = false
            reply.error = "physical network interfaces not found on this host: \(missing.joined(separator: ", "))"
        }
        return reply
    }
}
