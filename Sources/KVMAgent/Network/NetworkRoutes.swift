import AgentServer
import AgentWire

/// `/network/*` bridge commands: create, check and delete the bridge of a no-VLAN or VLAN L2 network, and add
/// an interface to a bridge. All async, as ZStack registers them. Replies carry no fields beyond the envelope.
struct NetworkRoutes: CommandRoutes {
    let bridges: Bridges

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.createBridge) { (command: KVM.CreateBridgeCmd, _) in
            try await create(command, vlan: false)
        }
        registry.async(KVM.Path.createVlanBridge) { (command: KVM.CreateBridgeCmd, _) in
            try await create(command, vlan: true)
        }
        registry.async(KVM.Path.checkBridge) { (command: KVM.CheckBridgeCmd, _) in
            try await check(command, vlan: false)
        }
        registry.async(KVM.Path.checkVlanBridge) { (command: KVM.CheckBridgeCmd, _) in
            try await check(command, vlan: true)
        }
        registry.async(KVM.Path.deleteBridge) { (command: KVM.DeleteBridgeCmd, _) in
            try await delete(command, vlan: false)
        }
        registry.async(KVM.Path.deleteVlanBridge) { (command: KVM.DeleteBridgeCmd, _) in
            try await delete(command, vlan: true)
        }
        registry.async(KVM.Path.addInterfaceToBridge, addInterface)
        registry.async(KVM.Path.updateVlanBridge) { (command: KVM.UpdateL2NetworkCmd, _) in
            try await update(command)
        }
    }

    private func update(_ command: KVM.UpdateL2NetworkCmd) async throws -> EmptyReply {
        let bridge = try InterfaceName.validated(command.bridgeName, field: "bridgeName")
        let nic = try InterfaceName.validated(command.physicalInterfaceName, field: "physicalInterfaceName")
        let oldVlan = try command.oldVlan.map { vlan throws(KVMAgentError) in try InterfaceName.validatedVlan(vlan) }
        let newVlan = try command.newVlan.map { vlan throws(KVMAgentError) in try InterfaceName.validatedVlan(vlan) }
        try await bridges.update(bridge: bridge, nic: nic, oldVlan: oldVlan, newVlan: newVlan)
        return EmptyReply()
    }

    private func create(_ command: KVM.CreateBridgeCmd, vlan: Bool) async throws -> EmptyReply {
        let plan = try Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                    vlan: command.vlan, vlanRequired: vlan)
        try await bridges.create(plan, mtu: command.mtu)
        return EmptyReply()
    }

    private func check(_ command: KVM.CheckBridgeCmd, vlan: Bool) async throws -> EmptyReply {
        try await bridges.check(Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                             vlan: command.vlan, vlanRequired: vlan))
        return EmptyReply()
    }

    private func delete(_ command: KVM.DeleteBridgeCmd, vlan: Bool) async throws -> EmptyReply {
        try await bridges.delete(Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                              vlan: command.vlan, vlanRequired: vlan))
        return EmptyReply()
    }

    private func addInterface(_ command: KVM.AddInterfaceToBridgeCmd, _ context: CommandContext) async throws -> EmptyReply {
        let plan = try Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                    vlan: nil, vlanRequired: false)
        try await bridges.addInterface(nic: plan.nic, bridge: plan.bridge)
        return EmptyReply()
    }
}
