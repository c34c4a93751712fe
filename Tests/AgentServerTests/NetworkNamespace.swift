import Foundation
import HostSystem
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A network namespace of its own for one test body, standing in for a KVM host: a veth pair plays the
/// physical NIC. Always deleted afterwards; namespaces left by test processes that died are removed first.
struct NetworkNamespace: Sendable {
    static let prefix = "zskvmnet-"
    private static let counter = Atomic<Int>(0)
    // Namespace creation and teardown queue behind the kernel's netns cleanup, which parallel suites keep
    // busy: allow minutes, not seconds.
    private static let runner = ProcessRunner(defaultTimeout: .seconds(300))

    let name: String

    /// Runs `ip -n <name> <arguments>`.
    @discardableResult
    func ip(_ arguments: [String]) async throws -> ProcessOutput {
        try await Self.runner.run("ip", ["-n", name] + arguments)
    }

    /// Adds a veth pair inside the namespace; `name` is the end the agent uses as its NIC.
    func addNIC(_ name: String) async throws {
        try await ip(["link", "add", name, "type", "veth", "peer", "name", "\(name)p"])
    }

    /// Whether the kernel can make 802.1Q interfaces (the `8021q` module): some VM kernels cannot.
    func supportsVlan(on nic: String) async -> Bool {
        do {
            try await ip(["link", "add", "link", nic, "name", "vlanprobe", "type", "vlan", "id", "4000"])
            try await ip(["link", "delete", "vlanprobe"])
            return true
        } catch {
            return false
        }
    }

    static func with<T: Sendable>(_ body: (NetworkNamespace) async throws -> T) async throws -> T {
        try await removeLeftovers()
        let namespace = NetworkNamespace(name: "\(prefix)\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)")
        try await runner.run("ip", ["netns", "add", namespace.name])
        let result: Result<T, any Error>
        do { result = .success(try await body(namespace)) } catch { result = .failure(error) }
        try await runner.run("ip", ["netns", "delete", namespace.name])
        return try result.get()
    }

    /// Deletes namespaces whose creating test process no longer runs.
    private static func removeLeftovers() async throws {
        // Read the directory rather than `ip netns list`, which queries netlink for each namespace's id and
        // can stall for many seconds while the kernel tears down namespaces of other suites.
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ pid_t($0) }),
                  kill(pid, 0) == -1, errno == ESRCH else { continue }
            _ = try? await runner.run("ip", ["netns", "delete", name])
        }
    }
}
