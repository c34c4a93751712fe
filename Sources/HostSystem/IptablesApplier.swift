/// Applies `IptablesRuleSet`s with `iptables-restore --noflush` (or `ip6tables-restore`), one transaction per
/// table.
public struct IptablesApplier: Sendable {
    public let runner: ProcessRunner
    public let family: IptablesFamily

    public init(runner: ProcessRunner, family: IptablesFamily = .ipv4) {
        self.runner = runner
        self.family = family
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
        let script = IptablesRestoreScript.script(for: rules, currentSave: try await save(table: rules.table))
        try await runner.run(family.restoreCommand, ["--noflush", "-w"], input: Array(script.utf8))
    }

    /// The table as `iptables-save` prints it, which is also the form `SavedTable` reads.
    public func save(table: String) async throws -> String {
        try await runner.run(family.saveCommand, ["-t", table]).text
    }
}

/// IPv4's tables (`iptables-*`) or IPv6's (`ip6tables-*`): separate tables with the same rule language.
public enum IptablesFamily: Sendable, CaseIterable {
    case ipv4
    case ipv6

    public var saveCommand: String { self == .ipv4 ? "iptables-save" : "ip6tables-save" }
    public var restoreCommand: String { self == .ipv4 ? "iptables-restore" : "ip6tables-restore" }
}
