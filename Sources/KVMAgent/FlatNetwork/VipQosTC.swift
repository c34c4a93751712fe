import HostSystem

/// vipqos.py's traffic shaping on one device of an EIP namespace, with `tc`: an htb root `1:` whose
/// default class `1:1` carries every port (10 Gbit/s until a port-0 rule lowers it), and one class per
/// limited port with a u32 filter sending it there. Class minors and filter handles are numbered as
/// vipqos.py numbers them (class `1:<n>` written with n's decimal digits, filter `800::<n in hex>`), so
/// rules the Python agent left are found and removed the same way.
struct VipQosTC: Sendable {
    /// vipqos.py's VIPQOS_DEFAULT_RULE_BANDWIDTH.
    static let defaultRate: Int64 = 10_737_418_240

    let runner: ProcessRunner
    let device: String
    /// The queue under each class: vipqos.py's `sfq` unless the configuration names another.
    let leafQdisc: String

    /// Limits `port` (0: every port without a rule of its own) to `rate`, replacing a former limit.
    func limit(port: Int, rate: Int64) async throws {
        try await removeLimit(port: port)
        try await ensureRoot()
        if port == 0 {
            try await setDefaultRate(rate)
            return
        }
        let used = Set(try await classMinors())
        guard let index = (2...0xFFF).first(where: { !used.contains(String($0)) }) else {
            throw KVMAgentError(.network, "too many QoS rules on \(device)")
        }
        let rateText = String(rate)
        try await tc(["class", "add", "dev", device, "parent", "1:0", "classid", "1:\(index)", "htb",
                      "rate", rateText, "ceil", rateText, "burst", "15736", "cburst", "15736"])
        try await tc(["qdisc", "add", "dev", device, "parent", "1:\(index)", leafQdisc])
        try await tc(["filter", "add", "dev", device, "parent", "1:0", "prio", "1", "handle", Self.handle(index),
                      "protocol", "ip", "u32", "match", "ip", matchedField, String(port), "0xffff", "flowid", "1:\(index)"])
    }

    /// Undoes `limit(port:rate:)`; nothing to undo is not an error.
    func removeLimit(port: Int) async throws {
        guard try await hasRoot() else { return }
        if port == 0 {
            try await setDefaultRate(Self.defaultRate)
            return
        }
        guard let index = try await classIndex(port: port) else { return }
        try await tc(["filter", "del", "dev", device, "parent", "1:0", "prio", "1", "handle", Self.handle(index), "protocol", "ip", "u32"])
        try await tc(["qdisc", "del", "dev", device, "parent", "1:\(index)"])
        try await tc(["class", "del", "dev", device, "parent", "1:0", "classid", "1:\(index)"])
    }

    /// Removes every limit of the device (vipqos.py's deleteall).
    func removeAll() async throws {
        if try await hasRoot() { try await tc(["qdisc", "del", "dev", device, "root"]) }
    }

    /// Outbound traffic leaves the public end with the VM's port as its source; inbound leaves the private
    /// end with it as its destination.
    private var matchedField: String { device.hasSuffix("_ei") ? "sport" : "dport" }

    private func ensureRoot() async throws {
        guard try await !hasRoot() else { return }
        let rate = String(Self.defaultRate)
        try await tc(["qdisc", "replace", "dev", device, "root", "handle", "1:", "htb", "default", "1"])
        try await tc(["class", "add", "dev", device, "parent", "1:0", "classid", "1:1", "htb", "rate", rate, "ceil", rate])
        try await tc(["qdisc", "add", "dev", device, "parent", "1:1", leafQdisc])
        try await tc(["filter", "add", "dev", device, "parent", "1:0", "prio", "1", "protocol", "ip", "u32"])
    }

    private func setDefaultRate(_ rate: Int64) async throws {
        let text = String(rate)
        try await tc(["class", "change", "dev", device, "parent", "1:0", "classid", "1:1", "htb",
                      "rate", text, "ceil", text, "burst", "15k", "cburst", "15k"])
    }

    private func hasRoot() async throws -> Bool {
        let qdiscs = try await tc(["qdisc", "show", "dev", device])
        return VipQosTCOutput.rootIsHTB(qdiscs)
    }

    private func classMinors() async throws -> [String] {
        VipQosTCOutput.htbClassMinors(try await tc(["class", "show", "dev", device]))
    }

    private func classIndex(port: Int) async throws -> Int? {
        let filters = try await tc(["filter", "show", "dev", device])
        return VipQosTCOutput.classIndex(filters, port: port, source: matchedField == "sport")
    }

    private static func handle(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        return "800::" + String(repeating: "0", count: max(0, 3 - hex.count)) + hex
    }

    @discardableResult
    private func tc(_ arguments: [String]) async throws -> String {
        try await runner.run("tc", arguments, timeout: .seconds(30)).text
    }
}

/// Reading `tc ... show` text, as vipqos.py's awk lines do; pure, so the parsing is tested on its own.
enum VipQosTCOutput {
    /// Whether the first qdisc listed (the root) is htb.
    static func rootIsHTB(_ text: String) -> Bool {
        text.split(separator: "\n").first.map { $0.split(separator: " ").dropFirst().first == "htb" } ?? false
    }

    /// The minors of the htb classes under `1:`, as written (`class htb 1:12 ...` gives "12").
    static func htbClassMinors(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count > 2, words[0] == "class", words[1] == "htb", words[2].hasPrefix("1:") else { return nil }
            return String(words[2].dropFirst(2))
        }
    }

    /// The class index whose u32 filter matches `port` as source (`pppp0000/ffff0000 at 20`) or destination
    /// (`0000pppp/0000ffff at 20`), from the `flowid 1:<n>` of the filter line above the match.
    static func classIndex(_ text: String, port: Int, source: Bool) -> Int? {
        let hex = String(port, radix: 16)
        let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let wanted = source ? "\(padded)0000/ffff0000" : "0000\(padded)/0000ffff"
        var flow: Int?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.first == "filter" {
                // tc marks a terminal match `*flowid`: read the word after it, as vipqos.py's `awk -F 'flowid '`.
                flow = words.firstIndex { $0.hasSuffix("flowid") }.flatMap { index in
                    index + 1 < words.count && words[index + 1].hasPrefix("1:") ? Int(words[index + 1].dropFirst(2)) : nil
                }
            } else if words.first == "match", words.count > 1, words[1] == wanted, let flow {
                return flow
            }
        }
        return nil
    }
}
