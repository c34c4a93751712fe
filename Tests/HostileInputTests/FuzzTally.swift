import Foundation

/// The figures of one agent's run, and the smallest reproducer of every bug seen (per kind and path).
struct FuzzTally: Sendable, CustomStringConvertible {
    struct Finding: Sendable {
        let kind: String
        let request: FuzzCase
        let detail: String
    }

    let agent: String
    var seed: UInt64 = 0
    var requests = 0
    var successes = 0
    var inBandFailures = 0
    var clientErrors = 0
    var busy = 0
    var notFound = 0
    var tooLarge = 0
    var crashes = 0
    var hangs = 0
    var wrongReplies = 0
    var rssBeforeKiB: Int?
    var rssAfterKiB: Int?
    var seconds = 0.0
    private(set) var findings: [String: Finding] = [:]

    init(agent: String) { self.agent = agent }

    mutating func record(_ verdict: Verdict, for request: FuzzCase) {
        requests += 1
        switch verdict {
        case .success: successes += 1
        case .inBandFailure: inBandFailures += 1
        case .clientError: clientErrors += 1
        case .busy: busy += 1
        case .notFound: notFound += 1
        case .tooLarge: tooLarge += 1
        case .crash(let detail): crashes += 1; keep(Finding(kind: "crash", request: request, detail: detail))
        case .hang(let detail): hangs += 1; keep(Finding(kind: "hang", request: request, detail: detail))
        case .wrong(let detail): wrongReplies += 1; keep(Finding(kind: "wrong reply", request: request, detail: detail))
        }
    }

    /// Keeps the smallest body per kind and path: the one worth turning into a regression case.
    private mutating func keep(_ finding: Finding) {
        let key = "\(finding.kind) \(finding.request.path)"
        if let known = findings[key], known.request.body.count <= finding.request.body.count { return }
        findings[key] = finding
    }

    var bugs: Int { crashes + hangs + wrongReplies }

    var description: String {
        let rate = seconds > 0 ? Double(requests) / seconds : 0
        return """
            \(agent): seed \(seed), \(requests) requests in \(String(format: "%.1f", seconds)) s \
            (\(String(format: "%.0f", rate))/s): \(successes) successes, \(inBandFailures) in-band failures, \
            \(clientErrors) 4xx, \(notFound) 404, \(tooLarge) 413, \(busy) 503; \(crashes) crashes, \(hangs) hangs, \
            \(wrongReplies) wrong replies; RSS \(rssBeforeKiB.map { "\($0) KiB" } ?? "?") before, \
            \(rssAfterKiB.map { "\($0) KiB" } ?? "?") after
            """ + findings.values.sorted { $0.request.index < $1.request.index }
            .map { "\n  \($0.kind): \($0.request.summary)\n    → \($0.detail)" }.joined()
    }
}
