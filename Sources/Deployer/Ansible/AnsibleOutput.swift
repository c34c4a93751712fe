import Foundation

/// What ansible-playbook reports about each host through the `zstack_json` stdout callback shipped with
/// the playbooks (`Playbooks/callback_plugins/zstack_json.py`: one JSON object per task result, then the
/// recap): its recap counts, the first task that failed on it with that task's message, and its results.
struct AnsibleOutput: Sendable {
    struct Recap: Sendable, Equatable, Decodable {
        var ok = 0, changed = 0, unreachable = 0, failed = 0

        enum CodingKeys: String, CodingKey { case ok, changed, unreachable, failed = "failures" }
    }

    /// One line of the callback's output.
    struct Event: Sendable, Decodable {
        enum Kind: String, Sendable, Decodable {
            case ok, changed, failed, unreachable, skipped, stats
        }

        var event: Kind
        var host: String?
        var task: String?
        var ignored: Bool?
        var msg: String?
        var stderr: String?
        /// The recap (`stats` only).
        var hosts: [String: Recap]?

        /// How the run record shows it: `changed: Copy the agent tarball`, with the reason for a failure.
        var line: String {
            let failure = event == .failed || event == .unreachable ? " => \(reason)" : ""
            return "\(event.rawValue)\(ignored == true ? " (ignored)" : ""): \(task ?? "?")\(failure)"
        }

        /// The message and the module's stderr, as a person reads them.
        var reason: String {
            let parts = [msg, stderr].compactMap { $0 }.filter { !$0.isEmpty }
            return parts.isEmpty ? "no message" : String(parts.joined(separator: ": ").prefix(1000))
        }
    }

    /// The environment that makes ansible-playbook print this, with the playbooks in `playbookDirectory`.
    /// No bytecode is written next to the plugin: the playbook directory is part of what hosts receive.
    static func environment(playbookDirectory: String) -> [String: String?] {
        ["ANSIBLE_STDOUT_CALLBACK": "zstack_json", "ANSIBLE_CALLBACK_PLUGINS": playbookDirectory + "/callback_plugins",
         "PYTHONDONTWRITEBYTECODE": "1"]
    }

    /// The plugin's path in the playbook directory, which releases are refused without.
    static let callbackPlugin = "callback_plugins/zstack_json.py"

    private(set) var recaps: [String: Recap] = [:]
    /// host → "task 'Name' failed: message", for the first failure seen.
    private(set) var failures: [String: String] = [:]
    private(set) var eventsByHost: [String: [Event]] = [:]

    /// Lines that are not the callback's JSON (a plugin's stray print) are ignored.
    init(_ text: String) {
        let decoder = JSONDecoder()
        for line in text.split(separator: "\n") where line.first == "{" {
            guard let event = try? decoder.decode(Event.self, from: Data(line.utf8)) else { continue }
            if event.event == .stats {
                recaps.merge(event.hosts ?? [:]) { $1 }
                continue
            }
            guard let host = event.host else { continue }
            eventsByHost[host, default: []].append(event)
            guard failures[host] == nil, event.ignored != true else { continue }
            switch event.event {
            case .failed: failures[host] = "task '\(event.task ?? "?")' failed: \(event.reason)"
            case .unreachable: failures[host] = "unreachable at task '\(event.task ?? "?")': \(event.reason)"
            default: break
            }
        }
    }

    /// The last results on `host`, for the run record.
    func tail(of host: String, lines: Int = 15) -> String {
        (eventsByHost[host] ?? []).suffix(lines).map { String($0.line.prefix(400)) }.joined(separator: "\n")
    }
}
