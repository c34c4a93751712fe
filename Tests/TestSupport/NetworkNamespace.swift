import Foundation
import Synchronization

/// A network namespace of its own for one test body: a KVM host's NICs and bridges, a virtual router and
/// the guests and public network around it, or a fuzzed router's sandbox. The one netns helper of the
/// tests; suites build their topology (veth pairs, addresses) on top of it.
///
/// Names are `<prefix><pid>-<n>[-<role>]`, so namespaces left by a test process that died are recognised
/// and removed before new ones are made. Always deleted afterwards, with whatever still runs inside.
public struct NetworkNamespace: Sendable {
    private static let counter = Atomic<Int>(0)

    public let name: String

    public init(name: String) { self.name = name }

    /// Runs `argv` inside the namespace (`ip netns exec`); a non-zero exit is a result.
    public func run(_ argv: [String]) async throws -> ProgramResult {
        try await Program.run(["ip", "netns", "exec", name] + argv)
    }

    /// Runs `argv` inside the namespace and returns its standard output; a non-zero exit throws.
    @discardableResult
    public func check(_ argv: [String]) async throws -> String {
        try await Program.check(["ip", "netns", "exec", name] + argv).output
    }

    /// Runs `ip -n <name> <arguments>`, which has to succeed.
    @discardableResult
    public func ip(_ arguments: [String]) async throws -> ProgramResult {
        try await Program.check(["ip", "-n", name] + arguments)
    }

    /// Adds a veth pair inside the namespace, both ends down; `name` is the end the code under test uses as
    /// its NIC, `<name>p` the peer (this kernel has no dummy links, and the peer gives the NIC a carrier).
    public func addNIC(_ name: String, address mac: String? = nil) async throws {
        try await ip(["link", "add", name] + (mac.map { ["address", $0] } ?? []) + ["type", "veth", "peer", "name", "\(name)p"])
    }

    /// Whether the kernel can make 802.1Q interfaces (the `8021q` module): some VM kernels cannot.
    public func supportsVlan(on nic: String) async -> Bool {
        do {
            try await ip(["link", "add", "link", nic, "name", "vlanprobe", "type", "vlan", "id", "4000"])
            try await ip(["link", "delete", "vlanprobe"])
            return true
        } catch {
            return false
        }
    }

    /// Runs `body` with one fresh namespace (loopback up), deleting it afterwards whatever `body` does.
    public static func with<T>(prefix: String, _ body: (NetworkNamespace) async throws -> T) async throws -> T {
        try await with(prefix: prefix, roles: [""]) { try await body($0[0]) }
    }

    /// Runs `body` with one fresh namespace per role (named `...-<role>`, in the order given), deleting all
    /// of them afterwards whatever `body` does.
    public static func with<T>(
        prefix: String, roles: [String], _ body: ([NetworkNamespace]) async throws -> T
    ) async throws -> T {
        await removeLeftovers(prefix: prefix)
        let base = "\(prefix)\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)"
        let namespaces = roles.map { NetworkNamespace(name: $0.isEmpty ? base : "\(base)-\($0)") }
        return try await withCleanUp {
            for namespace in namespaces {
                try await Program.check(["ip", "netns", "add", namespace.name])
                try await namespace.ip(["link", "set", "lo", "up"])
            }
            return try await body(namespaces)
        } cleanUp: {
            for namespace in namespaces { await namespace.remove() }
        }
    }

    /// Kills what still runs inside (dnsmasq, dhclient, haproxy, probes), deletes the namespace and the
    /// `/etc/netns/<name>` files `ip netns exec` mounts into it.
    public func remove() async {
        if FileManager.default.fileExists(atPath: "/run/netns/\(name)"),
           let pids = try? await Program.check(["ip", "netns", "pids", name]).output {
            for pid in pids.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
            _ = try? await Program.run(["ip", "netns", "delete", name])
        }
        try? FileManager.default.removeItem(atPath: "/etc/netns/\(name)")
    }

    /// Deletes namespaces with this prefix whose creating test process no longer runs.
    private static func removeLeftovers(prefix: String) async {
        // Read the directory rather than `ip netns list`, which queries netlink for each namespace's id and
        // can stall for many seconds while the kernel tears down namespaces of other suites.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }),
                  pid != getpid(), kill(pid, 0) == -1, errno == ESRCH else { continue }
            await NetworkNamespace(name: name).remove()
        }
    }
}
