import AgentTestSupport
import Foundation

/// A network namespace for the virtual router's tools (`--netns`), with two NICs carrying the
/// corpus MACs and no link to the outside: whatever the fuzzer makes the router configure stays in it.
/// Named `hfz-<pid>-vr`, always deleted, with leftovers of dead runs removed first.
struct RouterNamespace: Sendable {
    static let prefix = "hfz-"
    let name: String

    static func with<T: Sendable>(_ body: @Sendable (RouterNamespace) async throws -> T) async throws -> T {
        removeLeftovers()
        let namespace = RouterNamespace(name: "\(prefix)\(getpid())-vr")
        namespace.remove()
        do {
            try namespace.create()
            let result = try await body(namespace)
            namespace.remove()
            return result
        } catch {
            namespace.remove()
            throw error
        }
    }

    private func create() throws {
        try TestProgram.run("ip", "netns", "add", name)
        try TestProgram.run("ip", "-n", name, "link", "set", "lo", "up")
        for (nic, mac) in [("eth1", VRCorpus.privateMAC), ("eth2", VRCorpus.publicMAC)] {
            // A veth pair inside the namespace: this kernel has no dummy links, and the peer keeps it up.
            try TestProgram.run("ip", "-n", name, "link", "add", nic, "address", mac, "type", "veth", "peer", "name", nic + "p")
            try TestProgram.run("ip", "-n", name, "link", "set", nic, "up")
            try TestProgram.run("ip", "-n", name, "link", "set", nic + "p", "up")
        }
    }

    /// Kills what the router started in the namespace (dnsmasq, haproxy), then deletes it.
    func remove() {
        guard FileManager.default.fileExists(atPath: "/run/netns/\(name)") else { return }
        let pids = (try? TestProgram.run("ip", "netns", "pids", name)) ?? ""
        for pid in pids.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        _ = try? TestProgram.run("ip", "netns", "del", name)
    }

    private static func removeLeftovers() {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = pid_t(entry.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid(), kill(pid, 0) != 0
            else { continue }
            RouterNamespace(name: entry).remove()
        }
    }
}
