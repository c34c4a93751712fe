/// Applies `IptablesRuleSet`s with `iptables-restore --noflush`, one transaction per table.
public struct IptablesApplier: Sendable {
    /// A netfilter front end whose save/restore pair speaks the `iptables-save` format.
    public struct Tools: Sendable, Equatable {
        public let save: String
        public let restore: [String]
        /// How its restore declares a new chain (see `IptablesRestoreScript.script`).
        public let newChain: String

        public static let iptables = Tools(save: "iptables-save", restore: ["iptables-restore", "--noflush", "-w"], newChain: "- [0:0]")
        public static let ip6tables = Tools(save: "ip6tables-save", restore: ["ip6tables-restore", "--noflush", "-w"], newChain: "- [0:0]")
        /// Bridge-level rules (ebtables' nft front end): new chains get `ebtables -N`'s ACCEPT policy.
        public static let ebtables = Tools(save: "ebtables-save", restore: ["ebtables-restore", "--noflush"], newChain: "ACCEPT")
    }

    public let runner: ProcessRunner
    public let tools: Tools

    public init(runner: ProcessRunner, tools: Tools = .iptables) {
        self.runner = runner
        self.tools = tools
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
        let save = try await runner.run(tools.save, ["-t", rules.table]).text
        let script = IptablesRestoreScript.script(for: rules, currentSave: save, newChain: tools.newChain)
        try await runner.run(tools.restore[0], Array(tools.restore.dropFirst()), input: Array(script.utf8))
    }
}
