import HostSystem

/// The rules this agent owns in one iptables table: its chains (with their rules) and the jumps to
/// them from chains it does not own. Built by `IptablesRenderer`, applied by `IptablesRestoreScript`.
public struct IptablesRules: Sendable, Equatable {
    public let table: String
    /// Our chains, in the order they are first used.
    public private(set) var chains: [String] = []
    /// `-A <chain> ...` lines, ours first then the jumps, each once, in order.
    public private(set) var rules: [String] = []

    public init(table: String) { self.table = table }

    mutating func add(_ chain: String, _ rule: String) {
        if !chains.contains(chain) { chains.append(chain) }
        append("-A \(chain) \(rule)")
    }

    /// A jump from a built-in chain to one of ours.
    mutating func jump(from builtin: String, _ match: String, to chain: String) {
        append("-A \(builtin) \(match.isEmpty ? "" : match + " ")-j \(chain)")
    }

    private mutating func append(_ line: String) {
        if !rules.contains(line) { rules.append(line) }
    }

    /// Whether a chain name is one of ours (ZStack's prefixes, and the per-NIC `<nic>-in` chains).
    public static func isOwned(chain: String) -> Bool {
        ["snat-", "eip-", "pf-", "lb-"].contains { chain.hasPrefix($0) } || chain.hasSuffix("-in")
    }
}
