/// The rules one agent owns in one iptables table: its chains (with their rules) and the jumps to them from
/// chains it does not own. Agents render one of these from their state; `IptablesRestoreScript` makes the
/// table match it, leaving every chain the agent does not own alone.
public struct IptablesRuleSet: Sendable, Equatable {
    public let table: String
    /// Which chains of the table belong to the agent, including ones it no longer wants (they are deleted).
    public let ownership: IptablesChainOwnership
    /// Our chains, in the order they are first used.
    public private(set) var chains: [String] = []
    /// `-A <chain> ...` lines, ours first then the jumps, each once, in order.
    public private(set) var rules: [String] = []

    public init(table: String, ownership: IptablesChainOwnership) {
        self.table = table
        self.ownership = ownership
    }

    /// Appends a rule to one of our chains, creating the chain on first use.
    public mutating func add(_ chain: String, _ rule: String) {
        declare(chain)
        append("-A \(chain) \(rule)")
    }

    /// One of our chains, made even if no rule is ever added to it (a chain others jump to must exist).
    public mutating func declare(_ chain: String) {
        if !chains.contains(chain) { chains.append(chain) }
    }

    /// A jump from a chain we do not own (a built-in one, usually) to one of ours.
    public mutating func jump(from builtin: String, _ match: String, to chain: String) {
        append("-A \(builtin) \(match.isEmpty ? "" : match + " ")-j \(chain)")
    }

    /// Whether `chain` is ours: wanted now, or named as the agent names its chains.
    public func owns(chain: String) -> Bool {
        chains.contains(chain) || ownership.matches(chain)
    }

    private mutating func append(_ line: String) {
        if !rules.contains(line) { rules.append(line) }
    }
}

/// How an agent recognises its chains by name, so chains it made earlier and no longer wants are found.
public struct IptablesChainOwnership: Sendable, Equatable {
    public let prefixes: [String]
    public let suffixes: [String]
    /// Chains owned by exact name: where a prefix would also claim another owner's chains (the flat
    /// network's `ZSTACK-10.0.0.2` is a prefix of `ZSTACK-10.0.0.20`, another L3 network's).
    public let names: Set<String>

    public init(prefixes: [String], suffixes: [String] = [], names: Set<String> = []) {
        self.prefixes = prefixes
        self.suffixes = suffixes
        self.names = names
    }

    public func matches(_ chain: String) -> Bool {
        names.contains(chain) || prefixes.contains { chain.hasPrefix($0) } || suffixes.contains { chain.hasSuffix($0) }
    }
}
