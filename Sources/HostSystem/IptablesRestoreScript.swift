/// Builds `iptables-restore --noflush` input that makes one table's owned part match an `IptablesRuleSet`
/// and leaves everything else alone. Pure: the table's current `iptables-save` text is an input.
///
/// The script removes every jump to an owned chain from chains we do not own (copied from the saved
/// text, so `-D` matches exactly), flushes the owned chains that exist, deletes those no longer wanted,
/// creates the missing ones, and appends the wanted rules. iptables-restore commits a table in one
/// transaction, so the table is never seen half-way.
public enum IptablesRestoreScript {
    /// - Parameter newChain: what declares a missing chain after its name (`IptablesApplier.Frontend`).
    public static func script(for desired: IptablesRuleSet, currentSave: String, newChain: String = "- [0:0]") -> String {
        let current = SavedTable.parse(currentSave, table: desired.table)
        let owned = current.chains.filter(desired.owns(chain:))
        let isOwned = desired.owns(chain:)

        var lines = ["*\(desired.table)"]
        lines += desired.chains.filter { !current.chains.contains($0) }.map { ":\($0) \(newChain)" }
        for rule in current.rules where !isOwned(rule.chain) {
            if let target = rule.target, isOwned(target) { lines.append("-D " + rule.spec) }
        }
        lines += owned.map { "-F \($0)" }
        lines += owned.filter { !desired.chains.contains($0) }.map { "-X \($0)" }
        lines += desired.rules
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// One table of `iptables-save` output: chain names and `-A` rules.
struct SavedTable {
    struct Rule {
        /// The rule without its `-A `: `CHAIN match... -j TARGET`.
        var spec: String
        var chain: String
        var target: String?
    }

    var chains: [String] = []
    var rules: [Rule] = []

    static func parse(_ text: String, table: String) -> SavedTable {
        var result = SavedTable()
        var inTable = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("*") {
                inTable = line.dropFirst() == table
            } else if !inTable || line == "COMMIT" {
                continue
            } else if line.hasPrefix(":") {
                if let name = line.dropFirst().split(separator: " ").first { result.chains.append(String(name)) }
            } else if line.hasPrefix("-A ") {
                let spec = String(line.dropFirst(3))
                let words = spec.split(separator: " ").map(String.init)
                let jump = words.firstIndex { $0 == "-j" || $0 == "-g" }
                result.rules.append(Rule(
                    spec: spec, chain: words.first ?? "",
                    target: jump.flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }))
            }
        }
        return result
    }
}
