import AgentServer
import AgentWire

/// `/network/*` bridge commands: create, check and delete the bridge of a no-VLAN or VLAN L2 network, and add
/// an interface to a bridge. All async, as ZStack registers them. Replies carry no fields beyond the envelope.
struct NetworkRoutes: CommandRoutes {
    let bridges: Bridges

    func register(in registry: inout CommandRegistry) {
        registry.async("/network/l2novlan/createbridge") { (command: CreateBridgeCmd, _) in
            try await create(command, vlan: false)
        }
        registry.async("/network/l2vlan/createbridge") { (command: CreateBridgeCmd, _) in
            try await create(command, vlan: true)
        }
        registry.async("/network/l2novlan/checkbridge") { (command: CheckBridgeCmd, _) in
            try await check(command, vlan: false)
        }
        registry.async("/network/l2vlan/checkbridge") { (command: CheckBridgeCmd, _) in
            try await check(command, vlan: true)
        }
        registry.async("/network/l2novlan/deletebridge") { (command: DeleteBridgeCmd, _) in
            try await delete(command, vlan: false)
        }
        registry.async("/network/l2vlan/deletebridge") { (command: DeleteBridgeCmd, _) in
            try await delete(command, vlan: true)
        }
        registry.async("/network/bridge/addif", addInterface)
    }

    private func create(_ command: CreateBridgeCmd, vlan: Bool) async throws -> EmptyReply {
        let plan = try Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                    vlan: command.vlan, vlanRequired: vlan)
        try await bridges.create(plan, mtu: command.mtu)
        return EmptyReply()
    }

    private func check(_ command: CheckBridgeCmd, vlan: Bool) async throws -> EmptyReply {
        try await bridges.check(Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                             vlan: command.vlan, vlanRequired: vlan))
        return EmptyReply()
    }

    private func delete(_ command: DeleteBridgeCmd, vlan: Bool) async throws -> EmptyReply {
        try await bridges.delete(Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                              vlan: command.vlan, vlanRequired: vlan))
        return EmptyReply()
    }

    private func addInterface(_ command: AddInterfaceToBridgeCmd, _ context: CommandContext) async throws -> EmptyReply {
        let plan = try Bridges.Plan(bridge: command.bridgeName, nic: command.physicalInterfaceName,
                                    vlan: nil, vlanRequired: false)
        try await bridges.addInterface(nic: plan.nic, bridge: plan.bridge)
        return EmptyReply()
    }
}
