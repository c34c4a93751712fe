import HostSystem

/// The security groups' chains in one family's filter table: read back from `iptables-save`, changed by a
/// command, rendered as the `IptablesRuleSet` that replaces them. A command that names some NICs or groups
/// keeps every other chain as the table holds it, which is how Python's read-modify-restore behaves
/// without the agent keeping state of its own.
///
/// `sg-default` is not stored: it is rebuilt each time from the default rules and a pair of jumps per NIC
/// that has chains, so it always matches them.
struct SecurityGroupTable: Sendable, Equatable {
    let family: IptablesFamily
    /// Rule bodies (after `-A <chain> `) per chain.
    private(set) var chains: [String: [String]] = [:]

    init(family: IptablesFamily) { self.family = family }

    /// Our chains (`sg-*` but `sg-default`) as `iptables-save` prints the filter table.
    init(family: IptablesFamily, saved text: String) {
        self.family = family
        let saved = SavedTable.parse(text, table: "filter")
        for chain in saved.chains where SecurityGroupNames.ownership.matches(chain) && chain != SecurityGroupNames.defaultChain {
            chains[chain] = saved.rules.filter { $0.chain == chain }.map(\.body)
        }
    }

    mutating func set(_ chain: String, _ rules: [String]) { chains[chain] = rules }

    mutating func removeChains(of nic: String) {
        for direction in RuleDirection.allCases { chains[SecurityGroupNames.nicChain(nic, direction)] = nil }
    }

    /// The NICs that have chains.
    var nics: Set<String> { Set(chains.keys.compactMap(SecurityGroupNames.nic(ofChain:))) }

    /// Python's `_cleanup_unused_chain`: the chains of NICs the host no longer has, then group chains no
    /// NIC chain jumps to.
    mutating func removeUnused(presentNICs: Set<String>) {
        for nic in nics.subtracting(presentNICs) { removeChains(of: nic) }
        let targets = Set(chains.filter { SecurityGroupNames.nic(ofChain: $0.key) != nil }.values.joined().compactMap(Self.target))
        for chain in chains.keys where SecurityGroupNames.nic(ofChain: chain) == nil && !targets.contains(chain) {
            chains[chain] = nil
        }
    }

    /// Drops every rule that matches one of `sets` (a deleted group's member sets).
    mutating func removeRules(matching sets: Set<String>) {
        for (chain, rules) in chains {
            chains[chain] = rules.filter { Self.matchedSet($0).map { !sets.contains($0) } ?? true }
        }
    }

    /// The sets our rules match.
    var matchedSets: Set<String> { Set(chains.values.joined().compactMap(Self.matchedSet)) }

    var ruleSet: IptablesRuleSet {
        var rules = IptablesRuleSet(table: "filter", ownership: SecurityGroupNames.ownership)
        let defaultChain = SecurityGroupNames.defaultChain
        for rule in defaultRules { rules.add(defaultChain, rule) }
        for nic in nics.sorted() {
            for direction in RuleDirection.allCases where chains[SecurityGroupNames.nicChain(nic, direction)] != nil {
                rules.add(defaultChain, "-m physdev \(direction.physdevMatch) \(nic) -j \(SecurityGroupNames.nicChain(nic, direction))")
            }
        }
        rules.add(defaultChain, "-j ACCEPT")
        for (chain, bodies) in chains.sorted(by: { $0.key < $1.key }) {
            rules.declare(chain)
            // A NIC may name a group the command sent no rules for: an empty chain leaves it to the NIC's policy.
            for target in bodies.compactMap(Self.target) where SecurityGroupNames.ownership.matches(target) { rules.declare(target) }
            for body in bodies { rules.add(chain, body) }
        }
        rules.jump(from: "FORWARD", "-m physdev --physdev-is-bridged", to: defaultChain)
        return rules
    }

    /// Python's `_create_sg_default_chain`: replies to allowed traffic, DNS and DHCP always pass (DHCPv6 and
    /// neighbour discovery for IPv6); a bridged packet of no filtered NIC is accepted at the end.
    private var defaultRules: [String] {
        var rules = ["-m state --state RELATED,ESTABLISHED -j ACCEPT", "-p udp -m udp --dport 53 -j ACCEPT"]
        if family == .ipv4 {
            rules += ["-p udp -m udp --sport 68 --dport 67 -j ACCEPT", "-p udp -m udp --sport 67 --dport 68 -j ACCEPT"]
        } else {
            rules += ["-p udp -m udp --sport 546 --dport 547 -j ACCEPT", "-p udp -m udp --sport 547 --dport 546 -j ACCEPT"]
            rules += (133...137).map { "-p ipv6-icmp -m icmp6 --icmpv6-type \($0) -j ACCEPT" }
        }
        return rules
    }

    private static func word(after flag: String, in body: String) -> String? {
        let words = body.split(separator: " ")
        guard let at = words.firstIndex(where: { $0 == flag }), at + 1 < words.count else { return nil }
        return String(words[at + 1])
    }

    private static func target(_ body: String) -> String? { word(after: "-j", in: body) }
    private static func matchedSet(_ body: String) -> String? { word(after: "--match-set", in: body) }
}
