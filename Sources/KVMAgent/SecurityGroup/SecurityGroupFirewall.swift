import HostSystem

/// Makes the host's iptables (IPv4 and IPv6) and ipsets hold the security groups the MN describes, one
/// command at a time: each reads the tables, changes the security groups' chains in memory, and applies
/// them with one `iptables-restore --noflush` transaction per family, leaving every other chain alone.
///
/// The order keeps every step valid: sets first (a rule can only match a set that exists), then the
/// chains, then the sets no rule uses any more (the kernel refuses to destroy a set in use).
actor SecurityGroupFirewall {
    /// Runs iptables and ipset; with the agent's network namespace under test.
    let runner: ProcessRunner
    let link: IPLink
    private var commands = SerialTasks()

    init(runner: ProcessRunner, link: IPLink) {
        self.runner = runner
        self.link = link
    }

    /// `applyrules` (`refresh` false: the NICs and groups named change, the rest stay) and
    /// `refreshrulesonhost` (`refresh` true: the plan is everything, other security-group chains go).
    func apply(_ plan: SecurityGroupPlan, refresh: Bool) async throws {
        try await serialized { firewall in
            var sets: [IpsetSet] = []
            try await firewall.change(IptablesFamily.allCases) { table in
                if refresh { table = SecurityGroupTable(family: table.family) }
                for nic in plan.nics {
                    if nic.removesChains {
                        table.removeChains(of: nic.name)
                        continue
                    }
                    guard nic.families.contains(table.family) else { continue }
                    for direction in RuleDirection.allCases {
                        let jumps = nic.groups.map { "-j \(SecurityGroupNames.groupChain($0, direction))" }
                        table.set(SecurityGroupNames.nicChain(nic.name, direction),
                                  jumps + ["-j \(nic.accepts[direction] == true ? "RETURN" : "DROP")"])
                    }
                }
                for group in plan.groups[table.family] ?? [] {
                    let rendered = SecurityGroupRuleRenderer.chains(of: group, table.family)
                    for (chain, bodies) in rendered.chains { table.set(chain, bodies) }
                    sets += rendered.sets
                }
            } before: { try await IpsetApplier(runner: firewall.runner).apply(sets) }
            for nic in plan.nics where !nic.removesChains {
                for (family, address) in nic.addresses { await firewall.forgetFlows(family, destination: address) }
            }
        }
    }

    /// `updategroupmember`: a group's member sets get their new addresses (swapped in, so no rule sees a
    /// half-filled set) and no chain changes; a deleted group's rules and sets go.
    func updateMembers(_ updates: [GroupMembersUpdate]) async throws {
        try await serialized { firewall in
            var sets: [IpsetSet] = []
            var deleted = Set<String>()
            for update in updates {
                for family in IptablesFamily.allCases {
                    let name = SecurityGroupNames.memberSet(update.uuid, family)
                    if let members = update.members {
                        sets.append(IpsetSet(name: name, family: family == .ipv4 ? .inet : .inet6, members: members[family] ?? []))
                    } else {
                        deleted.insert(name)
                    }
                }
            }
            try await IpsetApplier(runner: firewall.runner).apply(sets)
            if !deleted.isEmpty {
                try await firewall.change(IptablesFamily.allCases) { $0.removeRules(matching: deleted) } before: {}
            }
            // Which flows a member change refuses is not known here; Python forgets every IPv4 one.
            for family in IptablesFamily.allCases { await firewall.forgetFlows(family) }
        }
    }

    /// `cleanupunusedrules`: chains of NICs the host no longer has, group chains no NIC uses, unused sets.
    func cleanup(skipIPv6: Bool) async throws {
        try await serialized { firewall in
            let families: [IptablesFamily] = skipIPv6 ? [.ipv4] : IptablesFamily.allCases
            try await firewall.change(families) { _ in } before: {}
            for family in families { await firewall.forgetFlows(family) }
        }
    }

    /// `checkdefaultrulesonhost`: `sg-default` and the FORWARD jump to it are rebuilt, other chains kept.
    func checkDefaults(skipIPv6: Bool) async throws {
        try await serialized { firewall in
            try await firewall.change(skipIPv6 ? [.ipv4] : IptablesFamily.allCases, removingUnused: false) { _ in } before: {}
        }
    }

    /// Reads each family's table, lets `edit` change it, runs `before` (the sets the new rules match),
    /// and applies the families in order. When a later family fails, the earlier ones are put back as they
    /// were, so a failed command leaves the previous rules in force. Unless `removingUnused` is false, chains
    /// of NICs that are gone and group chains no NIC uses are dropped, and afterwards the security groups'
    /// sets nothing references any more are destroyed, as Python does after every change.
    private func change(_ families: [IptablesFamily], removingUnused: Bool = true,
                        _ edit: (inout SecurityGroupTable) throws -> Void,
                        before: () async throws -> Void) async throws {
        let present = removingUnused ? Set(try await link.links().keys) : []
        var previous: [(IptablesApplier, IptablesRuleSet)] = []
        var wanted: [(IptablesApplier, IptablesRuleSet)] = []
        for family in families {
            let applier = IptablesApplier(runner: runner, frontend: .ip(family))
            let current = SecurityGroupTable(family: family, saved: try await applier.save(table: "filter"))
            var table = current
            try edit(&table)
            if removingUnused { table.removeUnused(presentNICs: present) }
            previous.append((applier, current.ruleSet))
            wanted.append((applier, table.ruleSet))
        }
        try await before()
        for (index, (applier, rules)) in wanted.enumerated() {
            do {
                try await applier.apply(rules)
            } catch {
                for (earlier, rules) in previous.prefix(index) { try? await earlier.apply(rules) }
                throw error
            }
        }
        guard removingUnused else { return }
        let ipsets = IpsetApplier(runner: runner)
        let unused = try await ipsets.list().sets.filter { SecurityGroupNames.isSecurityGroupSet($0.key) && $0.value.references == 0 }
        try await ipsets.destroy(unused.keys.sorted())
    }

    /// Deletes the conntrack entries of flows to `destination` (all of the family's when nil), so the rules
    /// just applied judge their next packets instead of `sg-default` accepting them as established. Best
    /// effort, as in Python: the rules are in force already, and a flow that is not cut ends on its own;
    /// `/host/updatedependency` reports a host without conntrack.
    private func forgetFlows(_ family: IptablesFamily, destination: String? = nil) async {
        try? await Conntrack(runner: runner).delete(family, destination: destination)
    }

    /// Commands run one after another: each reads the tables and writes them back, so two interleaved at
    /// an `await` would lose one's change (Python holds /run/xtables.lock for the same reason).
    private func serialized(_ body: @escaping @Sendable (isolated SecurityGroupFirewall) async throws -> Void) async throws {
        try await commands.enqueue { try await body(self) }.value
    }
}
