import HostSystem

/// ZStack's L2 bridges on this host: a Linux bridge per L2 network with the physical interface — or its
/// VLAN sub-interface `<nic>.<vlan>` — as a port. Every operation reads the current links first and only
/// changes what differs, so repeating a command is a success that changes nothing.
struct Bridges: Sendable {
    /// A validated request: the bridge, the physical interface, and the port that joins them.
    struct Plan: Sendable, Equatable {
        let bridge: String
        let nic: String
        let vlan: Int?
        /// `nic` itself, or `<nic>.<vlan>`.
        let port: String

        /// - Throws: `KVMAgentError` for a missing or invalid name or VLAN id; nothing has run yet.
        init(bridge: String?, nic: String?, vlan: Int?, vlanRequired: Bool) throws(KVMAgentError) {
            let nic = try InterfaceName.validated(nic, field: "physicalInterfaceName")
            self.bridge = try InterfaceName.validated(bridge, field: "bridgeName")
            self.nic = nic
            if vlanRequired {
                let vlan = try InterfaceName.validatedVlan(vlan)
                self.vlan = vlan
                self.port = try InterfaceName.vlanInterface(of: nic, vlan: vlan)
            } else {
                self.vlan = nil
                self.port = nic
            }
        }
    }

    let link: IPLink

    /// Creates what is missing of: the VLAN sub-interface, the bridge, the port's membership, the MTU, and
    /// brings all of them up.
    func create(_ plan: Plan, mtu: Int?) async throws {
        if let mtu, !(68...65535).contains(mtu) { throw KVMAgentError(.network, "mtu \(mtu) is outside 68-65535") }
        var links = try await link.links()
        guard let nic = links[plan.nic] else {
            throw KVMAgentError(.network, "physical interface \(plan.nic) does not exist on this host")
        }
        guard !nic.isBridge else { throw KVMAgentError(.network, "physical interface \(plan.nic) is itself a bridge") }
        if let existing = links[plan.bridge], !existing.isBridge {
            throw KVMAgentError(.network, "\(plan.bridge) exists and is not a bridge (it is a \(existing.kind ?? "plain") interface)")
        }
        if let vlan = plan.vlan {
            try await ensureVlan(plan.port, parent: plan.nic, id: vlan, links: links)
        }
        if links[plan.bridge] == nil { try await link.addBridge(plan.bridge) }
        links = try await link.links()
        if let master = links[plan.port]?.master, master != plan.bridge {
            throw KVMAgentError(.network, "\(plan.port) is already a port of bridge \(master); delete that bridge first")
        }
        if links[plan.port]?.master == nil { try await link.setMaster(plan.port, bridge: plan.bridge) }
        if let mtu { try await applyMTU(mtu, plan: plan, links: links) }
        for name in [plan.nic, plan.port, plan.bridge] where !(links[name]?.isUp ?? false) {
            try await link.setUp(name)
        }
    }

    /// Succeeds when the bridge exists and the port is in it; otherwise says what is missing.
    func check(_ plan: Plan) async throws {
        let links = try await link.links()
        guard let bridge = links[plan.bridge], bridge.isBridge else {
            throw KVMAgentError(.network, "cannot find bridge \(plan.bridge) with physical interface \(plan.nic)")
        }
        guard let port = links[plan.port] else {
            throw KVMAgentError(.network, "bridge \(plan.bridge) exists but interface \(plan.port) does not")
        }
        guard port.master == plan.bridge else {
            throw KVMAgentError(.network, "interface \(plan.port) is not a port of bridge \(plan.bridge)")
        }
    }

    /// Deletes the bridge, and for a VLAN bridge the `<nic>.<vlan>` sub-interface ZStack made for it. A bridge
    /// that is already gone is a success; a non-bridge of that name is left alone and reported.
    func delete(_ plan: Plan) async throws {
        let links = try await link.links()
        if let bridge = links[plan.bridge] {
            guard bridge.isBridge else {
                throw KVMAgentError(.network, "\(plan.bridge) is not a bridge (it is a \(bridge.kind ?? "plain") interface); not deleting it")
            }
            try await link.delete(plan.bridge)
        }
        if let vlan = plan.vlan, let port = links[plan.port], port.kind == "vlan", port.vlanID == vlan,
           port.link == plan.nic {
            try await link.delete(plan.port)
        }
    }

    /// Makes `nic` a port of the existing bridge, moving it out of any other bridge.
    func addInterface(nic: String, bridge: String) async throws {
        let links = try await link.links()
        guard let target = links[bridge], target.isBridge else { throw KVMAgentError(.network, "bridge \(bridge) does not exist") }
        guard let port = links[nic] else { throw KVMAgentError(.network, "interface \(nic) does not exist on this host") }
        guard !port.isBridge else { throw KVMAgentError(.network, "interface \(nic) is a bridge and cannot be a port of \(bridge)") }
        if port.master != bridge { try await link.setMaster(nic, bridge: bridge) }
        if !port.isUp { try await link.setUp(nic) }
    }

    /// `/network/l2vlan/updatebridge`: the L2 network of `bridge` changed its VLAN (`oldVlan` → `newVlan`,
    /// nil meaning no VLAN). As the Python agent: the new port (`nic` or `<nic>.<newVlan>`, made if missing)
    /// replaces the old one in the bridge, which keeps its name; the old VLAN interface is left in place.
    /// Switching between VLAN and no VLAN moves the host's addresses between the bridge and the NIC in the
    /// Python agent; this agent refuses that switch while the side they would leave carries addresses
    /// rather than cut the host off its network.
    func update(bridge: String, nic: String, oldVlan: Int?, newVlan: Int?) async throws {
        let oldPort = try oldVlan.map { vlan throws(KVMAgentError) in try InterfaceName.vlanInterface(of: nic, vlan: vlan) } ?? nic
        let newPort = try newVlan.map { vlan throws(KVMAgentError) in try InterfaceName.vlanInterface(of: nic, vlan: vlan) } ?? nic
        var links = try await link.links()
        guard let target = links[bridge], target.isBridge else { throw KVMAgentError(.network, "bridge \(bridge) does not exist") }
        guard let physical = links[nic] else { throw KVMAgentError(.network, "physical interface \(nic) does not exist on this host") }
        guard links[oldPort]?.master == bridge || links[newPort]?.master == bridge else {
            throw KVMAgentError(.network, "interface \(oldPort) is not a port of bridge \(bridge)")
        }
        if (oldVlan == nil) != (newVlan == nil) {
            let carrier = newVlan == nil ? nic : bridge
            let addressed = try await link.addresses(device: carrier)[carrier]?.filter { $0.scope == "global" } ?? []
            if let address = addressed.first {
                throw KVMAgentError(.network, "\(carrier) carries \(address.local ?? "an address"); moving the host's addresses "
                    + "between \(nic) and \(bridge) is not supported by this agent: move them first")
            }
        }
        if !physical.isUp { try await link.setUp(nic) }
        if let newVlan { try await ensureVlan(newPort, parent: nic, id: newVlan, links: links) }
        links = try await link.links()
        if oldPort != newPort, links[oldPort]?.master == bridge { try await link.setNoMaster(oldPort) }
        if let master = links[newPort]?.master, master != bridge {
            throw KVMAgentError(.network, "\(newPort) is already a port of bridge \(master)")
        }
        if links[newPort]?.master != bridge { try await link.setMaster(newPort, bridge: bridge) }
        if !(links[newPort]?.isUp ?? false) { try await link.setUp(newPort) }
    }

    private func ensureVlan(_ name: String, parent: String, id: Int, links: [String: IPLink.Link]) async throws {
        guard let existing = links[name] else {
            do {
                try await link.addVlan(name, parent: parent, id: id)
            } catch let error as ProcessError where error.standardErrorTail.contains("Unknown device type") {
                throw KVMAgentError(.network, "cannot create VLAN interface \(name): this kernel has no 802.1Q VLAN support (module 8021q)")
            }
            return
        }
        guard existing.kind == "vlan", existing.vlanID == id, existing.link == parent else {
            throw KVMAgentError(.network, "\(name) exists but is not VLAN \(id) on \(parent)")
        }
    }

    /// Sets the MTU where it differs. A VLAN's parent is only raised, never lowered: other VLANs share it.
    private func applyMTU(_ mtu: Int, plan: Plan, links: [String: IPLink.Link]) async throws {
        let nicMTU = links[plan.nic]?.mtu ?? 0
        if plan.vlan == nil ? nicMTU != mtu : nicMTU < mtu { try await link.setMTU(plan.nic, mtu) }
        if plan.vlan != nil, links[plan.port]?.mtu != mtu { try await link.setMTU(plan.port, mtu) }
        if links[plan.bridge]?.mtu != mtu { try await link.setMTU(plan.bridge, mtu) }
    }
}
