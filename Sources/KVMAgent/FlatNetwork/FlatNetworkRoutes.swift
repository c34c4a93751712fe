import AgentServer
import AgentWire
import HostSystem

/// `/flatnetworkprovider/*`: the flat network provider's DHCP, DNS and userdata on this host, all async as
/// mevoco.py registers them. Each command is validated whole (every entry of a batch) before the service
/// changes anything, and runs to its end before the next one starts (mevoco.py's locks: one flow's prepare
/// and apply must not interleave with another flow's delete of the same namespace).
struct FlatNetworkRoutes: CommandRoutes {
    let service: FlatNetworkService
    let chain = TaskChain()

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.flatDhcpConnect) { (_: EmptyCommand, _) in
            try await serially { try await $0.connect() }
        }
        registry.async(KVM.Path.flatDhcpPrepare) { (command: KVM.PrepareDhcpCmd, _) in
            let request = try FlatDhcpRequests.Prepare(command, field: "")
            return try await serially { try await $0.prepare(request) }
        }
        registry.async(KVM.Path.flatDhcpBatchPrepare) { (command: KVM.BatchPrepareDhcpCmd, _) in
            let requests = try (command.dhcpInfos ?? []).enumerated().map { index, info throws(InvalidField) in
                try FlatDhcpRequests.Prepare(info, field: "dhcpInfos[\(index)].")
            }
            return try await serially { service in
                for request in requests { try await service.prepare(request) }
            }
        }
        registry.async(KVM.Path.flatDhcpApply) { (command: KVM.ApplyDhcpCmd, _) in
            let request = try FlatDhcpRequests.Apply([command], field: { _ in "" })
            return try await serially { try await $0.apply(request) }
        }
        registry.async(KVM.Path.flatDhcpBatchApply) { (command: KVM.BatchApplyDhcpCmd, _) in
            let request = try FlatDhcpRequests.Apply(command.dhcpInfos ?? [], field: { "dhcpInfos[\($0)]." })
            return try await serially { try await $0.apply(request) }
        }
        registry.async(KVM.Path.flatDhcpRelease) { (command: KVM.ReleaseDhcpCmd, _) in
            let request = try FlatDhcpRequests.Release(command)
            return try await serially { try await $0.release(request) }
        }
        registry.async(KVM.Path.flatDhcpResetDefaultGateway) { (command: KVM.ResetDefaultGatewayCmd, _) in
            let request = try FlatDhcpRequests.ResetGateway(command)
            return try await serially { try await $0.resetGateway(request) }
        }
        registry.async(KVM.Path.flatDhcpDeleteNamespace) { (command: KVM.DhcpNamespaceCmd, _) in
            let request = try FlatDhcpRequests.Namespace(command)
            return try await serially { try await $0.deleteNamespace(request) }
        }
        registry.async(KVM.Path.flatDhcpFlush) { (command: KVM.DhcpNamespaceCmd, _) in
            let request = try FlatDhcpRequests.Namespace(command)
            return try await serially { try await $0.flush(request) }
        }
        registry.async(KVM.Path.flatArping) { (command: KVM.ArpingCmd, _) in
            let request = try FlatDhcpRequests.Arping(command)
            let macs = try await chain.run { [service] in try await service.arping(request) }
            return KVM.ArpingResponse(result: ["\(request.target)": macs])
        }
        registry.async(KVM.Path.flatUserdataApply) { (command: KVM.ApplyUserdataCmd, _) in
            let request = try FlatUserdataRequests.Apply([command.userdata], field: { _ in "userdata" }, rebuild: false)
            return try await serially { try await $0.applyUserdata(request) }
        }
        registry.async(KVM.Path.flatUserdataBatchApply) { (command: KVM.BatchApplyUserdataCmd, _) in
            let request = try FlatUserdataRequests.Apply(command.userdata ?? [], field: { "userdata[\($0)]" },
                                                         rebuild: command.rebuild ?? false)
            return try await serially { try await $0.applyUserdata(request) }
        }
        registry.async(KVM.Path.flatUserdataRelease) { (command: KVM.ReleaseUserdataCmd, _) in
            let request = try FlatUserdataRequests.Release(command)
            return try await serially { try await $0.releaseUserdata(request) }
        }
        registry.async(KVM.Path.flatUserdataCleanup) { (command: KVM.CleanupUserdataCmd, _) in
            let request = try FlatUserdataRequests.Cleanup(command)
            return try await serially { try await $0.cleanupUserdata(request) }
        }
    }

    /// Runs `body` on the service after every command that arrived before it, and replies with the envelope.
    private func serially(_ body: @escaping @Sendable (FlatNetworkService) async throws -> Void) async throws -> EmptyReply {
        try await chain.run { [service] in try await body(service) }
        return EmptyReply()
    }
}
