import HostSystem

/// Applies `IptablesRules` with `iptables-restore --noflush`, one transaction per table.
struct IptablesApplier: Sendable {
    let runner: ProcessRunner

    /// Applies filter then nat. A table that fails is untouched (the restore is one transaction); when
    /// nat fails after filter succeeded, filter is put back to `previous`, so the command as a whole
    /// leaves the previous rules in force.
    func apply(_ rules: (filter: IptablesRules, nat: IptablesRules),
               previous: (filter: IptablesRules, nat: IptablesRules)) async throws {
        try await apply(rules.filter)
        do {
            try await apply(rules.nat)
        } catch {
            try? await apply(previous.filter)
            throw error
        }
    }

    func apply(_ rules: IptablesRules) async throws {
        let save = try await runner.run("iptables-save", ["-t", rules.table]).text
        let script = IptablesRestoreScript.script(for: rules, currentSave: save)
        try await runner.run("iptables-restore", ["--noflush", "-w"], input: Array(script.utf8))
    }
}
