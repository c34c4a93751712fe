import Foundation
import TestSupport

/// Three network namespaces joined by veth pairs, created for one test and always removed:
///
///     guest eth0 (fa:16:3e:00:00:0a) ── eth1 (52:54:00:00:00:02) router eth2 (52:54:00:00:00:03) ── eth0 public
///                                       10.0.0.1/24 (by /configurenic)   192.168.50.2/24            192.168.50.100/24
struct NetnsLab: Sendable {
    static let guestMAC = "fa:16:3e:00:00:0a"
    static let privateMAC = "52:54:00:00:00:02"
    static let publicMAC = "52:54:00:00:00:03"

    let router: NetworkNamespace
    let guest: NetworkNamespace
    let publicSide: NetworkNamespace
    /// The router's private file root, empty at first (the agent makes `etc/` and `run/` in it).
    let root: String

    /// Runs `body` with a fresh lab, removing it afterwards whether `body` succeeds or throws.
    static func with<T>(_ body: (NetnsLab) async throws -> T) async throws -> T {
        try await TemporaryDirectory.with("vrt-root") { root in
            try await NetworkNamespace.with(prefix: "vrt-", roles: ["r", "g", "p"]) { namespaces in
                let lab = NetnsLab(router: namespaces[0], guest: namespaces[1], publicSide: namespaces[2], root: root)
                try await lab.build()
                return try await body(lab)
            }
        }
    }

    private func build() async throws {
        // An empty root, as an operator gives `--root`: the agent makes what it needs inside. dnsmasq drops to
        // its own user and must still read the files.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        // dhclient-script writes /etc/resolv.conf; `ip netns exec` bind-mounts this file over it.
        try FileManager.default.createDirectory(atPath: "/etc/netns/\(guest.name)", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "/etc/netns/\(guest.name)/resolv.conf", contents: Data())
        try await router.ip(["link", "add", "eth1", "address", Self.privateMAC, "type", "veth",
                             "peer", "name", "eth0", "address", Self.guestMAC, "netns", guest.name])
        try await router.ip(["link", "add", "eth2", "address", Self.publicMAC, "type", "veth",
                             "peer", "name", "eth0", "netns", publicSide.name])
        try await guest.ip(["link", "set", "eth0", "up"])
        try await publicSide.ip(["addr", "add", "192.168.50.100/24", "dev", "eth0"])
        try await publicSide.ip(["link", "set", "eth0", "up"])
        try await router.check(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    }

    /// A file the router wrote under its root, nil when it is not there.
    func file(_ relative: String) -> String? {
        try? String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    /// The pid of the router's running dnsmasq, from its pidfile, read by the test rather than the agent.
    var dnsmasqPid: Int32? { Processes.running(pidFile: root + "/run/dnsmasq.pid", command: "dnsmasq") }

    /// Every rule line of the router's tables, without the timestamps and counters iptables-save adds.
    func iptablesRules() async throws -> [String] {
        try await router.check(["iptables-save"]).split(separator: "\n")
            .filter { $0.hasPrefix("-") || $0.hasPrefix(":") || $0.hasPrefix("*") }.map(String.init)
    }

    /// Addresses the guest statically and routes it through the router (DHCP has its own tests).
    func addressGuest() async throws {
        try await guest.ip(["addr", "add", "10.0.0.10/24", "dev", "eth0"])
        try await guest.ip(["route", "add", "default", "via", "10.0.0.1"])
    }

    /// Runs dhclient once in the guest; returns the guest's eth0 addresses afterwards.
    func dhcp() async throws -> String {
        let conf = root + "/dhclient.conf"
        try "timeout 15;\nretry 1;\n".write(toFile: conf, atomically: true, encoding: .utf8)
        _ = try await guest.run(["dhclient", "-1", "-cf", conf, "-lf", root + "/guest.leases",
                                 "-pf", root + "/dhclient.pid", "eth0"])
        return try await guest.check(["ip", "-4", "addr", "show", "dev", "eth0"])
    }

    /// The A records dnsmasq gives for `name` ("" when none: a removed name is forwarded upstream,
    /// where nothing answers, so dig's failure is expected then).
    func dig(_ name: String) async throws -> String {
        try await guest.run(["dig", "+short", "+time=1", "+tries=2", "@10.0.0.1", name])
            .output.split(separator: "\n").filter { !$0.hasPrefix(";") }.joined(separator: "\n")
    }
}
