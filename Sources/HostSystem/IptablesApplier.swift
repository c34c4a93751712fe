/// Applies `IptablesRuleSet`s with `<front end>-restore --noflush`, one transaction per table.
public struct IptablesApplier: Sendable {
    /// The programs of one front end. ebtables (bridged frames) shares iptables' save/restore format except
    /// for how a new chain is declared, so one script builder and one applier serve both.
    public struct Frontend: Sendable, Equatable {
        public let save: String
        public let restore: [String]
        /// What follows `:<chain> ` when the script declares a chain: iptables' policy and counters
        /// `- [0:0]`, ebtables' policy `ACCEPT` (as `ebtables -N` makes it).
        public let newChain: String

        public static let iptables = Frontend(save: "iptables-save", restore: ["iptables-restore", "--noflush", "-w"],
                                              newChain: "- [0:0]")
        public static let ebtables = Frontend(save: "ebtables-save", restore: ["ebtables-restore", "--noflush"],
                                              newChain: "ACCEPT")
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
        let save = try await runner.run(frontend.save, ["-t", rules.table]).text
        let script = IptablesRestoreScript.script(for: rules, currentSave: save, newChain: frontend.newChain)
        try await runner.run(frontend.restore[0], Array(frontend.restore.dropFirst()), input: Array(script.utf8))
    }
}
