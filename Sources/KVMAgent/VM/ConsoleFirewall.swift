import AgentWire
import HostSystem

/// The iptables chain that limits who reaches a VM's console port, as ZStack's Python agent keeps it
/// (`VncPortIptableRule`): chain `vm-<internalId>-vnc`, jumped to from `INPUT` for the console's TCP port,
/// accepting connections addressed to the host's management network and rejecting the rest. After a
/// migration the destination hardens the console (`/vm/console/harden`) and the source deletes its chain
/// (`/vm/console/deletefirewall`).
struct ConsoleFirewall: Sendable {
    let iptables: IptablesRules
    /// Where the host's addresses are read (the agent's network namespace).
    let link: IPLink

    static func chain(internalId: Int64) -> String { "vm-\(internalId)-vnc" }

    /// Replaces the VM's chain with one for `port` that accepts only `managementIp`'s network.
    /// - Throws: `KVMAgentError` when `managementIp` is not an IPv4 address of this host; nothing changed.
    func harden(internalId: Int64, port: Int, managementIp: String?) async throws {
        let network = try await managementNetwork(managementIp)
        let chain = Self.chain(internalId: internalId)
        try await delete(chain: chain)
        try await iptables.run(["-N", chain])
        try await iptables.run(["-A", "INPUT", "-p", "tcp", "-m", "tcp", "--dport", String(port), "-j", chain])
        try await iptables.run(["-A", chain, "-d", network, "-j", "ACCEPT"])
        try await iptables.run(["-A", chain, "!", "-d", network, "-j", "REJECT", "--reject-with", "icmp-host-prohibited"])
    }

    /// Removes the chain and every rule that jumps to it; a chain that is not there is a success.
    func delete(chain: String) async throws {
        guard (try? await iptables.run(["-S", chain])) != nil else { return }
        let rules = try await iptables.run(["-S"]).text.split(separator: "\n")
        for rule in rules {
            let words = rule.split(separator: " ").map(String.init)
            guard words.first == "-A", words.count >= 3, words.suffix(2) == ["-j", chain] else { continue }
            try await iptables.run(["-D"] + words.dropFirst())
        }
        try await iptables.run(["-F", chain])
        try await iptables.run(["-X", chain])
    }

    /// `address/prefix` of the global IPv4 address of this host that is `managementIp`.
    private func managementNetwork(_ managementIp: String?) async throws -> String {
        guard let managementIp, !managementIp.isEmpty else { throw KVMAgentError(.vm, "hostManagementIp is missing") }
        guard IPv4Address(managementIp) != nil else {
            throw KVMAgentError(.vm, "hostManagementIp '\(managementIp)' is not an IPv4 address")
        }
        let match = try await link.addresses().values.joined().first {
            $0.family == "inet" && $0.scope == "global" && $0.local == managementIp
        }
        guard let match, let prefix = match.prefixlen else {
            throw KVMAgentError(.vm, "cannot get host ip with netmask for \(managementIp): no interface of this host has it")
        }
        return "\(managementIp)/\(prefix)"
    }
}
