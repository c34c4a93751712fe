import Foundation

/// Corpus bodies name the run's directories and endpoints by placeholders, filled in per run:
/// `@ROOT@` the agent's storage root, `@IMPORT@` the backup storage's import directory, `@MN@` the
/// management node's event URL, `@CANARY@` the canary directory.
struct CorpusPlaceholders: Sendable {
    var values: [String: String]

    func fill(_ entries: [CorpusEntry]) -> [CorpusEntry] {
        entries.map { entry in
            var body = entry.body
            for (name, value) in values { body = body.replacingOccurrences(of: "@\(name)@", with: value) }
            return CorpusEntry(path: entry.path, kind: entry.kind, body: body)
        }
    }

    /// ZStack 5's `/vm/start` body, read from the KVM tests' fixture file rather than copied here, with its
    /// /zstack_ps paths moved into the run's storage root.
    static func zstack5StartVm(uuid: String) throws -> String {
        try kvmFixture("func zstack5JSON", in: "StartVmFixtures.swift")
            .replacingOccurrences(of: ##"\#(uuid)"##, with: uuid)
            .replacingOccurrences(of: "/zstack_ps/", with: "@ROOT@/")
    }

    /// The security-group apply/refresh body the KVM tests apply to their lab (every kind of rule, IPv4 and
    /// IPv6); in the fuzzed agent's namespace its NIC does not exist, so its chains are made and cleaned up.
    static func securityGroupRules() throws -> String {
        try kvmFixture("static let everyRuleKind", in: "SecurityGroupBodies.swift")
    }

    /// The first `#"""` literal after `marker` in a KVMAgentTests file, so the corpus replays the bodies
    /// those tests check instead of copies of them.
    private static func kvmFixture(_ marker: String, in file: String) throws -> String {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("KVMAgentTests/" + file)
        let source = try String(contentsOf: fixture, encoding: .utf8)
        guard let function = source.range(of: marker),
              let open = source.range(of: "#\"\"\"", range: function.upperBound..<source.endIndex),
              let close = source.range(of: "\"\"\"#", range: open.upperBound..<source.endIndex)
        else { throw AgentProcess.Failure(description: "no \(marker) literal in \(fixture.path)") }
        // The literal is indented like the code around it; JSON does not care about that whitespace.
        return String(source[open.upperBound..<close.lowerBound])
    }
}
