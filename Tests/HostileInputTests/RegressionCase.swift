import Testing

/// A fixed request kept in the suite: the smallest reproducer of something the fuzzer found, or a shape
/// worth sending on every run whatever the seed draws. `knownBug` marks one that is reported but not fixed
/// here (outside AgentWire and CommandRegistry): it runs under `withKnownIssue`, so it stays visible and
/// turns into an unexpected pass once fixed.
struct RegressionCase: Sendable {
    let name: String
    let path: String
    let kind: CorpusEntry.Kind
    let body: String
    var headers: FuzzCase.Headers = .standard
    var knownBug: Comment? = nil
    /// A shorter wait for the callback than the campaign's, for a known hang that would only cost time.
    var callbackTimeout: Duration? = nil

    /// `number` makes the task uuid unique: the agent answers a repeated uuid with 200 and no second callback.
    func request(_ number: Int) -> FuzzCase {
        FuzzCase(index: -1 - number, path: path, kind: kind, body: Array(body.utf8), headers: headers, mutation: name)
    }

    /// Sends every case and records a bug verdict as an issue (a known one under `withKnownIssue`).
    static func check(_ cases: [RegressionCase], with campaign: FuzzCampaign) async {
        for (number, regression) in cases.enumerated() {
            var campaign = campaign
            if let timeout = regression.callbackTimeout { campaign.callbackTimeout = timeout }
            let verdict = await campaign.send(regression.request(number))
            if let knownBug = regression.knownBug {
                withKnownIssue(knownBug) {
                    #expect(!verdict.isBug, "\(regression.name): \(verdict)")
                }
            } else {
                #expect(!verdict.isBug, "\(regression.name) on \(regression.path): \(verdict)")
            }
        }
    }

    /// Shapes sent to every agent on every run: nesting beyond and just below the parser's limit, NUL and
    /// 1 MiB strings, a lone surrogate, a duplicated key, an empty and a truncated body.
    static func everyAgent(path: String, kind: CorpusEntry.Kind, freeFormField: String) -> [RegressionCase] {
        let deep = String(repeating: "[", count: Mutator.depth) + String(repeating: "]", count: Mutator.depth)
        let nearLimit = String(repeating: "{\"k\":", count: 510) + "0" + String(repeating: "}", count: 510)
        return [
            RegressionCase(name: "deep-array-10000", path: path, kind: kind, body: deep),
            RegressionCase(name: "deep-object-unterminated", path: path, kind: kind,
                           body: String(repeating: "{\"a\":", count: Mutator.depth)),
            RegressionCase(name: "free-form-nested-510", path: path, kind: kind, body: "{\"\(freeFormField)\":\(nearLimit)}"),
            RegressionCase(name: "nul-and-newline", path: path, kind: kind, body: #"{"uuid":"a\u0000b\nc"}"#),
            RegressionCase(name: "lone-surrogate", path: path, kind: kind, body: #"{"uuid":"\ud800"}"#),
            RegressionCase(name: "megabyte-string", path: path, kind: kind,
                           body: "{\"uuid\":\(JSONTree.quoted(HostileValues.megabyte))}"),
            RegressionCase(name: "duplicate-key", path: path, kind: kind, body: #"{"uuid":"a","uuid":{"b":[]}}"#),
            RegressionCase(name: "empty", path: path, kind: kind, body: ""),
            RegressionCase(name: "truncated", path: path, kind: kind, body: #"{"uuid":"a","#),
            RegressionCase(name: "huge-numbers", path: path, kind: kind,
                           body: #"{"timeout":18446744073709551616,"size":-9223372036854775809,"cpuNum":1e309}"#),
        ]
    }
}
