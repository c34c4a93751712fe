import HostSystem

/// Applies the `iptablesRules` of `/host/connect` (`KvmHost.iptables.rule.N` on the MN), each an iptables
/// argument string such as `-A INPUT -p tcp --dport 7070 -j ACCEPT`.
///
/// Each rule runs as an argv (`iptables -w <words>`), never through a shell. Appending or inserting is
/// idempotent: the rule is first checked with `-C` and left alone when present, so reconnects do not pile up
/// duplicates.
struct IptablesRules {
    /// The command prefix, e.g. `["iptables"]` or `["ip", "netns", "exec", "ns", "iptables"]`.
    let command: [String]
    let runner = ProcessRunner(defaultTimeout: .seconds(60))

    func apply(_ rules: [String]) async throws {
        for rule in rules {
            let words = try Self.words(rule)
            if let check = Self.checkForm(words),
               (try? await run(check)) != nil {
                continue
            }
            do {
                try await run(words)
            } catch let failure as ProcessError {
                throw KVMAgentError(.host, "iptables rule '\(rule)' was refused: \(failure.standardErrorTail.trimmingWhitespace())")
            }
        }
    }

    /// Runs one iptables command (`iptables -w <words>`), for others that manage their own rules.
    @discardableResult
    func run(_ words: [String]) async throws -> ProcessOutput {
        let argv = command + ["-w"] + words
        return try await runner.run(argv[0], Array(argv.dropFirst()))
    }

    static func words(_ rule: String) throws -> [String] {
        let words = rule.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else { throw KVMAgentError(.host, "an iptables rule is empty") }
        guard words.allSatisfy({ $0.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 } }) else {
            throw KVMAgentError(.host, "iptables rule '\(rule)' contains control or non-ASCII characters")
        }
        return words
    }

    /// The `-C` form of an `-A chain ...` or `-I chain [position] ...` rule; nil for other commands.
    static func checkForm(_ words: [String]) -> [String]? {
        guard let index = words.firstIndex(where: { $0 == "-A" || $0 == "-I" || $0 == "--append" || $0 == "--insert" }),
              index + 1 < words.count else { return nil }
        var check = words
        check[index] = "-C"
        let isInsert = words[index] == "-I" || words[index] == "--insert"
        if isInsert, index + 2 < check.count, Int(check[index + 2]) != nil { check.remove(at: index + 2) }
        return check
    }
}
