import AgentServer
import AgentWire
import HostSystem

/// `/flatnetworkprovider/vipqos/{apply,delete,deleteall}` (async, as vipqos.py registers them): bandwidth
/// limits on an EIP's namespace devices. The namespace is found by its VIP, as vipqos.py finds it. Applying
/// to a VIP without a namespace fails (there is nothing to shape); deleting from one succeeds (what it would
/// remove is gone). Every setting is checked before the first is applied. Replies are the bare envelope.
struct VipQosRoutes: CommandRoutes {
    let namespaces: EipNamespaces
    let leafQdisc: String
    let queue = TaskChain()

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.applyVipQos) { (command: KVM.VipQosCmd, _) in
            try await each(command, missing: .refuse) { rule, device in
                for limit in rule.limits where limit.device == device.device {
                    try await device.limit(port: rule.port, rate: limit.rate)
                }
            }
        }
        registry.async(KVM.Path.deleteVipQos) { (command: KVM.VipQosCmd, _) in
            try await each(command, missing: .skip) { rule, device in
                if rule.limits.contains(where: { $0.device == device.device }) {
                    try await device.removeLimit(port: rule.port)
                }
            }
        }
        registry.async(KVM.Path.deleteAllVipQos) { (command: KVM.VipQosCmd, _) in
            try await each(command, missing: .skip) { _, device in try await device.removeAll() }
        }
    }

    private enum MissingNamespace { case refuse, skip }

    /// Runs `body` for both devices of each rule's namespace, in the order the rules came.
    private func each(_ command: KVM.VipQosCmd, missing: MissingNamespace,
                      _ body: @escaping @Sendable (VipQosRule, VipQosTC) async throws -> Void) async throws -> EmptyReply {
        let rules = try VipQosRule.all(command)
        try await queue.run { [namespaces, leafQdisc] in
            for rule in rules {
                guard let namespace = namespaces.namespaces(endingWith: EipNames.namespaceSuffix(vip: .v4(rule.vip))).first else {
                    if missing == .skip { continue }
                    throw KVMAgentError(.network, "namespace for VIP \(rule.vip) is not created")
                }
                let runner = ProcessRunner(defaultTimeout: .seconds(60), networkNamespace: namespace)
                for device in [rule.privateInner, rule.publicInner] {
                    try await body(rule, VipQosTC(runner: runner, device: device, leafQdisc: leafQdisc))
                }
            }
        }
        return EmptyReply()
    }
}
