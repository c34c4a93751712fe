/// Applies `IptablesRuleSet`s with `iptables-restore --noflush`, one transaction per table.
public struct IptablesApplier: Sendable {
    public let runner: ProcessRunner

    public init(runner: ProcessRunner) { self.runner = runner }

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
        let save = try await runner.run("iptables-save", ["-t", rules.table]).text
        let script = IptablesRestoreScript.script(for: rules, currentSave: save)
        try await runner.run("iptables-restore", ["--noflush", "-w"], input: Array(script.utf8))
    }
}
