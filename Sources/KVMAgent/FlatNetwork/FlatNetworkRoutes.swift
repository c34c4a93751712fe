import AgentServer
import AgentWire

/// `/flatnetworkprovider/*`: the flat network provider's DHCP, DNS and userdata on this host, all async as
/// mevoco.py registers them. Each command is validated whole (every entry of a batch) before the service
/// changes anything.
struct FlatNetworkRoutes: CommandRoutes {
    let service: FlatNetworkService

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.flatDhcpConnect) { (_: EmptyCommand, _) in
            try await service.connect()
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpPrepare) { (command: KVM.PrepareDhcpCmd, _) in
            try await service.prepare(FlatDhcpRequests.Prepare(command, field: ""))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpBatchPrepare) { (command: KVM.BatchPrepareDhcpCmd, _) in
            var requests: [FlatDhcpRequests.Prepare] = []
            for (index, info) in (command.dhcpInfos ?? []).enumerated() {
                requests.append(try FlatDhcpRequests.Prepare(info, field: "dhcpInfos[\(index)]."))
            }
            for request in requests { try await service.prepare(request) }
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpApply) { (command: KVM.ApplyDhcpCmd, _) in
            try await service.apply(FlatDhcpRequests.Apply([command], field: { _ in "" }))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpBatchApply) { (command: KVM.BatchApplyDhcpCmd, _) in
            try await service.apply(FlatDhcpRequests.Apply(command.dhcpInfos ?? [], field: { "dhcpInfos[\($0)]." }))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpRelease) { (command: KVM.ReleaseDhcpCmd, _) in
            try await service.release(FlatDhcpRequests.Release(command))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpResetDefaultGateway) { (command: KVM.ResetDefaultGatewayCmd, _) in
            try await service.resetGateway(FlatDhcpRequests.ResetGateway(command))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpDeleteNamespace) { (command: KVM.DhcpNamespaceCmd, _) in
            try await service.deleteNamespace(FlatDhcpRequests.Namespace(command))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatDhcpFlush) { (command: KVM.DhcpNamespaceCmd, _) in
            try await service.flush(FlatDhcpRequests.Namespace(command))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatArping) { (command: KVM.ArpingCmd, _) in
            let request = try FlatDhcpRequests.Arping(command)
            return KVM.ArpingResponse(result: ["\(request.target)": try await service.arping(request)])
        }
        registry.async(KVM.Path.flatUserdataApply) { (command: KVM.ApplyUserdataCmd, _) in
            try await service.applyUserdata(FlatUserdataRequests.Apply([command.userdata], field: { _ in "userdata" }, rebuild: false))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatUserdataBatchApply) { (command: KVM.BatchApplyUserdataCmd, _) in
            try await service.applyUserdata(FlatUserdataRequests.Apply(command.userdata ?? [], field: { "userdata[\($0)]" },
                                                                       rebuild: command.rebuild ?? false))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatUserdataRelease) { (command: KVM.ReleaseUserdataCmd, _) in
            try await service.releaseUserdata(FlatUserdataRequests.Release(command))
            return EmptyReply()
        }
        registry.async(KVM.Path.flatUserdataCleanup) { (command: KVM.CleanupUserdataCmd, _) in
            try await service.cleanupUserdata(FlatUserdataRequests.Cleanup(command))
            return EmptyReply()
        }
    }
}
