import HostSystem
import Foundation
import Synchronization
@testable import VirtualRouterAgent

/// Three network namespaces joined by veth pairs, created for one test and always removed:
///
///     guest eth0 (fa:16:3e:00:00:0a) ── eth1 (52:54:00:00:00:02) router eth2 (52:54:00:00:00:03) ── eth0 public
///                                       10.0.0.1/24 (by /configurenic)   192.168.50.2/24            192.168.50.100/24
///
/// Names carry the test process id, so leftovers of a crashed run are recognised and removed.
struct NetnsLab {
    static let prefix = "vrt-"
    static let guestMAC = "fa:16:3e:00:00:0a"
    static let privateMAC = "52:54:00:00:00:02"
    static let publicMAC = "52:54:00:00:00:03"
    private static let counter = Atomic<Int>(0)

    let router: String
    let guest: String
    let publicSide: String
    /// The router's private file root.
    let root: String
    let host = CommandRunner()

    var routerRunner: CommandRunner { .inNamespace(router) }
    var guestRunner: CommandRunner { .inNamespace(guest) }
    var publicRunner: CommandRunner { .inNamespace(publicSide) }

    /// Runs `body` with a fresh lab, removing it afterwards whether `body` succeeds or throws.
    static func with(_ body: (NetnsLab) async throws -> Void) async throws {
        try await removeLeftovers()
        let n = counter.add(1, ordering: .relaxed).newValue
        let base = "\(prefix)\(getpid())-\(n)"
        let lab = NetnsLab(router: base + "-r", guest: base + "-g", publicSide: base + "-p",
                           root: FileManager.default.temporaryDirectory.path + "/" + base)
        do {
            try await lab.build()
            try await body(lab)
        } catch {
            await lab.tearDown()
            throw error
        }
        await lab.tearDown()
    }

    private func build() async throws {
        // An empty root, as an operator gives `--root`: the agent makes what it needs inside. dnsmasq drops to
        // its own user and must still read the files.
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        // dhclient-script writes /etc/resolv.conf; `ip netns exec` bind-mounts this file over it.
        try FileManager.default.createDirectory(atPath: "/etc/netns/\(guest)", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "/etc/netns/\(guest)/resolv.conf", contents: Data())
        for ns in [router, guest, publicSide] {
            try await host.check(["ip", "netns", "add", ns])
            try await host.check(["ip", "-n", ns, "link", "set", "lo", "up"])
        }
        try await host.check(["ip", "-n", router, "link", "add", "eth1", "address", Self.privateMAC, "type", "veth",
                              "peer", "name", "eth0", "address", Self.guestMAC, "netns", guest])
        try await host.check(["ip", "-n", router, "link", "add", "eth2", "address", Self.publicMAC, "type", "veth",
                              "peer", "name", "eth0", "netns", publicSide])
        try await host.check(["ip", "-n", guest, "link", "set", "eth0", "up"])
        try await host.check(["ip", "-n", publicSide, "addr", "add", "192.168.50.100/24", "dev", "eth0"])
        try await host.check(["ip", "-n", publicSide, "link", "set", "eth0", "up"])
        try await routerRunner.check(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    }

    func tearDown() async {
        for ns in [router, guest, publicSide] { await Self.remove(namespace: ns) }
        try? FileManager.default.removeItem(atPath: "/etc/netns/\(guest)")
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Kills what still runs in the namespace (dnsmasq, dhclient, haproxy, probes), then deletes it.
    private static func remove(namespace ns: String) async {
        let host = CommandRunner()
        if let pids = try? await host.check(["ip", "netns", "pids", ns]) {
            for pid in pids.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        }
        _ = try? await host.run(["ip", "netns", "del", ns])
    }

    /// Namespaces of earlier runs whose process is gone.
    private static func removeLeftovers() async throws {
        // The directory, not `ip netns list`: that queries netlink per namespace and can stall for many
        // seconds while the kernel tears down namespaces of other suites.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [] {
            guard name.hasPrefix(prefix),
                  let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }),
                  pid != getpid(), kill(pid, 0) != 0 else { continue }
            await remove(namespace: name)
            if name.hasSuffix("-g") { try? FileManager.default.removeItem(atPath: "/etc/netns/\(name)") }
            try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.path + "/" + name.dropLast(2))
        }
    }
}
