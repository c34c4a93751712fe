/// Applies `IptablesRuleSet`s with a netfilter front end's `*-restore --noflush`, one transaction per table.
public struct IptablesApplier: Sendable {
    /// A netfilter front end whose save/restore pair speaks the `iptables-save` format: iptables, ip6tables,
    /// and ebtables (bridged frames), which differs only in how a new chain is declared.
    public struct Frontend: Sendable, Equatable {
        public let save: String
        public let restore: [String]
        /// What follows `:<chain> ` when the script declares a chain: iptables' policy and counters
        /// `- [0:0]`, ebtables' policy `ACCEPT` (as `ebtables -N` makes it).
        public let newChain: String

        public static let iptables = Frontend(save: "iptables-save", restore: ["iptables-restore", "--noflush", "-w"],
                                              newChain: "- [0:0]")
        public static let ip6tables = Frontend(save: "ip6tables-save", restore: ["ip6tables-restore", "--noflush", "-w"],
                                               newChain: "- [0:0]")
        public static let ebtables = Frontend(save: "ebtables-save", restore: ["ebtables-restore", "--noflush"],
                                              newChain: "ACCEPT")

        /// The IP front end of one family.
        public static func ip(_ family: IptablesFamily) -> Frontend { family == .ipv4 ? .iptables : .ip6tables }
    }

    public let runner: ProcessRunner
    public let frontend: Frontend

    public init(runner: ProcessRunner, frontend: Frontend = .iptables) {
        self.runner = runner
        self.frontend = frontend
    }

    /// Applies filter then nat. A table that fails is untouched (the restore is one transaction); when
    /// nat fails after filter succeeded, filter is put back to `previous`, so the command as a whole
    /// leaves the previous rules in force.
    public func apply(_ rules: (filter: IptablesRuleSet, nat: IptablesRuleSet),
                      previous: (filter: IptablesRuleSet, nat: IptablesRuleSet)) async throws {
        try await apply(rules.filter)
        do {
            try await apply(rules.nat)
        } catch {
            try? await apply(previous.filter)
            throw error
        }
    }

    public func apply(_ rules: IptablesRuleSet) async throws {
        let script = IptablesRestoreScript.script(for: rules, currentSave: try await save(table: rules.table),
                                                  newChain: frontend.newChain)
        try await runner.run(frontend.restore[0], Array(frontend.restore.dropFirst()), input: Array(script.utf8))
    }

    /// The table as `*-save` prints it, which is also the form `SavedTable` reads.
    public func save(table: String) async throws -> String {
        try await runner.run(frontend.save, ["-t", table]).text
    }
}

/// IPv4 or IPv6: separate tables (`iptables-*`, `ip6tables-*`), ipsets and conntrack tables with the same rule
/// language.
public enum IptablesFamily: Sendable, CaseIterable {
    case ipv4
    case ipv6
}
