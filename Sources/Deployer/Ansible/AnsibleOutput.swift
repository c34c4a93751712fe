import Foundation

/// What ansible-playbook's default output says about each host: its PLAY RECAP counts, the first task
/// that failed on it with that task's message, and the lines that mention it.
struct AnsibleOutput: Sendable {
    struct Recap: Sendable, Equatable {
        var ok = 0, changed = 0, unreachable = 0, failed = 0
    }

    private(set) var recaps: [String: Recap] = [:]
    /// host → "task 'Name': message", for the first failure seen.
    private(set) var failures: [String: String] = [:]
    private(set) var linesByHost: [String: [String]] = [:]

    init(_ text: String) {
        var task = "?"
        var inRecap = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("TASK [") || line.hasPrefix("RUNNING HANDLER [") {
                task = Self.between(line, "[", "]") ?? task
                continue
            }
            if line.hasPrefix("PLAY RECAP") {
                inRecap = true
                continue
            }
            if inRecap, let recap = Self.recap(line) {
                recaps[recap.host] = recap.counts
                continue
            }
            guard let host = Self.between(line, "[", "]"), line.hasPrefix("fatal: [") || line.hasPrefix("failed: [")
                || line.hasPrefix("ok: [") || line.hasPrefix("changed: [") || line.hasPrefix("skipping: [")
            else { continue }
            linesByHost[host, default: []].append(line)
            if line.hasPrefix("fatal: [") || line.hasPrefix("failed: ["), failures[host] == nil {
                let message = Self.message(line)
                failures[host] = line.contains("UNREACHABLE!")
                    ? "unreachable at task '\(task)': \(message)" : "task '\(task)' failed: \(message)"
            }
        }
    }

    /// The last lines about `host`, for the run record.
    func tail(of host: String, lines: Int = 15) -> String {
        (linesByHost[host] ?? []).suffix(lines).map { String($0.prefix(400)) }.joined(separator: "\n")
    }

    private static func recap(_ line: String) -> (host: String, counts: Recap)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count > 2, parts[1] == ":" else { return nil }
        var counts = Recap()
        for field in parts.dropFirst(2) {
            let pair = field.split(separator: "=")
            guard pair.count == 2, let value = Int(pair[1]) else { continue }
            switch pair[0] {
            case "ok": counts.ok = value
            case "changed": counts.changed = value
            case "unreachable": counts.unreachable = value
            case "failed": counts.failed = value
            default: break
            }
        }
        return (String(parts[0]), counts)
    }

    /// The `msg` of the JSON after `=>` (plus stderr when the module has one), else the raw text.
    private static func message(_ line: String) -> String {
        guard let arrow = line.range(of: "=> ") else { return line }
        let json = line[arrow.upperBound...]
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return String(json.prefix(500))
        }
        var parts: [String] = []
        if let msg = object["msg"] as? String, !msg.isEmpty { parts.append(msg) }
        if let stderr = object["stderr"] as? String, !stderr.isEmpty { parts.append(stderr) }
        return parts.isEmpty ? String(json.prefix(500)) : String(parts.joined(separator: ": ").prefix(1000))
    }

    private static func between(_ line: String, _ open: Character, _ close: Character) -> String? {
        guard let start = line.firstIndex(of: open), let end = line[start...].firstIndex(of: close) else { return nil }
        return String(line[line.index(after: start)..<end])
    }
}
