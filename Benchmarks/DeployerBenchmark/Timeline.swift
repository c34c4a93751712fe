// Where a fresh deploy's time goes, read after the run from what it leaves: the run's events (each with its
// time) and the batch's ansible.log (the zstack_json callback stamps every line with "at").
import Deployer
import Foundation

struct Timeline {
    struct Phase {
        var name: String
        var seconds: Double
    }

    /// Tasks by wall time, from one task's start to the next one's; the task ran on `hosts` hosts.
    struct Task {
        var name: String
        var seconds: Double
        var hosts: Int
    }

    var phases: [Phase] = []
    var tasks: [Task] = []

    /// `ansibleLog`: the batch's ansible.log. Phases follow the executor's events: hosts added (bootstrap),
    /// "batch 1: deploying", "tarballs pushed", "ansible-playbook ... took", the last "deployed".
    init(run: RunDetails, ansibleLog: String) {
        let events = run.events
        let start = run.run.startedAt
        func at(_ predicate: (String) -> Bool, last: Bool = false) -> Date? {
            let matching = events.filter { predicate($0.message) }
            return (last ? matching.last : matching.first)?.at
        }
        let added = at({ $0.contains(": added as ") }, last: true)
        let batch = at({ $0.hasPrefix("batch 1: deploying") })
        let pushed = at({ $0.contains("tarballs pushed") })
        let ansibleDone = at({ $0.contains("ansible-playbook on ") && $0.contains(" took ") })
        let deployed = at({ $0.contains(": deployed ") }, last: true)

        let records = Self.records(ansibleLog)
        func time(_ record: [String: Any]) -> Date? { Self.time(record) }
        let playStart = records.first { $0["event"] as? String == "start" }.flatMap(time)
        let stats = records.last { $0["event"] as? String == "stats" }.flatMap(time)
        // The ansible process started this long before its "took" event.
        let took = events.first { $0.message.contains("ansible-playbook on ") && $0.message.contains(" took ") }
            .flatMap { event in event.message.firstMatch(of: /took ([0-9.]+) s/).flatMap { Double($0.output.1) } }
        let ansibleStart = took.flatMap { took in ansibleDone?.addingTimeInterval(-took) }

        func phase(_ name: String, _ from: Date?, _ to: Date?) {
            guard let from, let to else { return }
            phases.append(Phase(name: name, seconds: to.timeIntervalSince(from)))
        }
        phase("bootstrap: password login, key install, key login (all hosts at once)", start, added)
        phase("decisions (new hosts: none to check)", added, batch)
        phase("tarball push over SFTP (the deployer's sessions)", batch, pushed)
        phase("batch set-up before ansible-playbook (inventory, staged TLS files)", pushed ?? batch, ansibleStart)
        phase("ansible-playbook start-up (Python, inventory, play compilation)", ansibleStart, playStart)
        phase("ansible-playbook tasks", playStart, stats)
        phase("ansible-playbook exit after its recap", stats, ansibleDone)
        phase("echo + version of every agent, records", ansibleDone, deployed)

        tasks = Self.tasks(records)
    }

    static func records(_ ansibleLog: String) -> [[String: Any]] {
        ansibleLog.split(separator: "\n").filter { $0.first == "{" }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func time(_ record: [String: Any]) -> Date? {
        (record["at"] as? Double).map { Date(timeIntervalSince1970: $0) }
    }

    static func tasks(ansibleLog: String) -> [Task] { tasks(records(ansibleLog)) }

    private static func tasks(_ records: [[String: Any]]) -> [Task] {
        let stats = records.last { $0["event"] as? String == "stats" }.flatMap(time)
        let starts = records.filter { $0["event"] as? String == "task" }
        return starts.enumerated().compactMap { index, record in
            guard let name = record["task"] as? String, let begin = time(record) else { return nil }
            let end = index + 1 < starts.count ? time(starts[index + 1]) : stats
            let hosts = Set(records.filter {
                $0["task"] as? String == name && ["ok", "changed", "failed"].contains($0["event"] as? String ?? "")
            }.compactMap { $0["host"] as? String }).count
            return Task(name: name, seconds: end.map { $0.timeIntervalSince(begin) } ?? 0, hosts: hosts)
        }
    }

    /// The markdown rows: phases, then the tasks.
    func rows() -> [String] {
        phases.map { "| \($0.name) | \(String(format: "%.1f", $0.seconds)) s |" } + Self.rows(tasks, indent: "&nbsp;&nbsp;task: ")
    }

    /// Every task over `minimum` seconds, the rest summed.
    static func rows(_ tasks: [Task], indent: String = "", minimum: Double = 0.5) -> [String] {
        var rows = tasks.filter { $0.seconds >= minimum }.map {
            "| \(indent)\($0.name) (\($0.hosts) hosts) | \(String(format: "%.1f", $0.seconds)) s |"
        }
        let rest = tasks.filter { $0.seconds < minimum }
        if !rest.isEmpty {
            rows.append("| \(indent)\(rest.count) other tasks (each under \(minimum) s) | \(String(format: "%.1f", rest.reduce(0) { $0 + $1.seconds })) s |")
        }
        return rows
    }
}
