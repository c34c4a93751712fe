import AgentServer
import AgentWire
import HostSystem

/// `/flatnetworkprovider/eip/*`: apply and delete one EIP or a batch, all async as deip.py registers them.
/// A batch is checked whole before the first EIP is touched; then its EIPs are applied (or deleted) in
/// order, one command at a time on this host (deip.py's `eip` lock). Replies are the bare envelope
/// (`FlatNetworkServiceConstant.AgentRsp`: the MN reads `success` and `error`).
struct EipRoutes: CommandRoutes {
    let namespaces: EipNamespaces
    let queue = TaskChain()

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.applyEip) { (command: KVM.EipCmd, _) in
            try await apply([EipPlan(command.eip, field: "eip")])
        }
        registry.async(KVM.Path.batchApplyEip) { (command: KVM.BatchEipCmd, _) in
            try await apply(Self.each(command.eips) { eip, field throws(InvalidField) in try EipPlan(eip, field: field) })
        }
        registry.async(KVM.Path.deleteEip) { (command: KVM.EipCmd, _) in
            try await delete([EipIdentity(command.eip, field: "eip")])
        }
        registry.async(KVM.Path.batchDeleteEip) { (command: KVM.BatchEipCmd, _) in
            try await delete(Self.each(command.eips) { eip, field throws(InvalidField) in try EipIdentity(eip, field: field) })
        }
    }

    private func apply(_ plans: [EipPlan]) async throws -> EmptyReply {
        try await queue.run { [namespaces] in
            for plan in plans { try await namespaces.apply(plan) }
        }
        return EmptyReply()
    }

    private func delete(_ identities: [EipIdentity]) async throws -> EmptyReply {
        try await queue.run { [namespaces] in
            for identity in identities { try await namespaces.delete(identity) }
        }
        return EmptyReply()
    }

    /// Checks every EIP of a batch, naming the one at fault as `eips[i]`.
    private static func each<T>(_ eips: [KVM.EipTO]?, _ check: (KVM.EipTO, String) throws(InvalidField) -> T) throws(InvalidField) -> [T] {
        guard let eips else { throw InvalidField(field: "eips", value: nil, expected: "a list of EIPs") }
        var checked: [T] = []
        for (index, eip) in eips.enumerated() { checked.append(try check(eip, "eips[\(index)]")) }
        return checked
    }
}
