import AgentClient
import AgentServer
import AgentWire
import Foundation
import KVMAgent
import Logging
import TestSupport

/// A KVM host for the flat network: a "host" namespace holding bridge `br_fdh0` (10.88.0.1/24, standing
/// for the L3 network's gateway) with uplink `fdh0` to an "upstream" namespace (the rest of the L2
/// network), and guests on the bridge (`eth0` in each guest
/// namespace, its host end `gst<n>`), created for one test and always removed together with the DHCP
/// namespace the agent makes (`br_fdh0_<l3 uuid>`, the uuid starting with this process's pid in hex, so
/// leftovers of a dead test process are recognised).
///
///     guest g0 eth0 ── gst0 ┐
///     guest g1 eth0 ── gst1 ┼─ br_fdh0 (10.88.0.1) ── fdh0 ── eth0 upstream
///            inner<id> ── outer<id> ┘                   (upstream eth0)
///            (made by the agent, in br_fdh0_<l3>)
struct FlatNetworkLab: Sendable {
    static let bridge = "br_fdh0"
    static let uplink = "fdh0"
    static let dhcpServer = "10.88.0.2"
    static let macs = ["fa:16:3e:88:00:0a", "fa:16:3e:88:00:0b"]
    static let ips = ["10.88.0.10", "10.88.0.11"]
    static let namespacePrefix = "br_fdh0_"

    let host: NetworkNamespace
    let upstream: NetworkNamespace
    let guests: [NetworkNamespace]
    let root: String
    let l3: String

    /// The MN's `makeNamespaceName(bridge, l3)`.
    var namespace: String { Self.namespacePrefix + l3 }
    var dnsmasqDirectory: String { root + "/dnsmasq" }
    var userdataDirectory: String { root + "/userdata" }

    static func with<T>(guests: Int = 2, _ body: (FlatNetworkLab) async throws -> T) async throws -> T {
        await removeLeftovers()
        return try await TemporaryDirectory.with("fdh-root") { root in
            // dnsmasq drops to its own user and must still read its files.
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
            return try await NetworkNamespace.with(prefix: "fdh-", roles: ["h", "u"] + (0..<guests).map { "g\($0)" }) { namespaces in
                let l3 = String(format: "%08x", getpid()) + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(24)
                let lab = FlatNetworkLab(host: namespaces[0], upstream: namespaces[1], guests: Array(namespaces.dropFirst(2)),
                                         root: root, l3: l3)
                return try await withCleanUp {
                    try await lab.build()
                    return try await body(lab)
                } cleanUp: {
                    await NetworkNamespace(name: lab.namespace).remove()
                }
            }
        }
    }

    private func build() async throws {
        try await host.ip(["link", "add", Self.bridge, "type", "bridge", "forward_delay", "0", "stp_state", "0"])
        try await host.ip(["addr", "add", "10.88.0.1/24", "dev", Self.bridge])
        try await host.ip(["link", "set", Self.bridge, "up"])
        try await host.ip(["link", "add", Self.uplink, "type", "veth", "peer", "name", "eth0", "netns", upstream.name])
        try await host.ip(["link", "set", Self.uplink, "master", Self.bridge])
        try await host.ip(["link", "set", Self.uplink, "up"])
        try await upstream.ip(["link", "set", "eth0", "up"])
        for guest in [upstream] + guests {
            // dhclient-script writes /etc/resolv.conf; `ip netns exec` bind-mounts this file over it.
            try FileManager.default.createDirectory(atPath: "/etc/netns/\(guest.name)", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: "/etc/netns/\(guest.name)/resolv.conf", contents: Data())
        }
        for (index, guest) in guests.enumerated() {
            try await host.ip(["link", "add", "gst\(index)", "type", "veth", "peer", "name", "eth0",
                               "address", Self.macs[index], "netns", guest.name])
            try await host.ip(["link", "set", "gst\(index)", "master", Self.bridge])
            try await host.ip(["link", "set", "gst\(index)", "up"])
            try await guest.ip(["link", "set", "eth0", "up"])
        }
    }

    func resolvConf(_ guest: Int) -> String { "/etc/netns/\(guests[guest].name)/resolv.conf" }

    /// The agent on this host, served while `body` runs; call it again for a restarted agent.
    func withAgent<T: Sendable>(_ body: @Sendable (AgentClient, ManagementNodeEndpoint) async throws -> T) async throws -> T {
        var configuration = KVMAgentConfiguration(server: .test(), libvirtURI: "test:///default",
                                                  stateDirectory: root + "/state", networkNamespace: host.name,
                                                  storageRoots: [root])
        configuration.flatDnsmasqDirectory = dnsmasqDirectory
        configuration.flatUserdataDirectory = userdataDirectory
        let server = try await buildKVMAgent(configuration, logger: Logger(label: "test.kvm.flat"))
        return try await ManagementNodeEndpoint.run { mn in
            try await RunningAgent.with(server) { agent in try await body(agent.client, mn) }
        }
    }

    /// Runs dhclient once in guest `index` (asking for what dnsmasq is told to give); returns its lease.
    func dhcp(_ index: Int) async throws -> String {
        try await dhcp(guests[index], name: "guest\(index)", timeout: 15)
    }

    /// Runs dhclient once in `namespace`, giving up after `timeout` seconds; returns its lease ("" without).
    func dhcp(_ namespace: NetworkNamespace, name: String, timeout: Int) async throws -> String {
        let conf = root + "/\(name).conf"
        try """
        timeout \(timeout);
        retry 1;
        option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
        request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name,
                interface-mtu, rfc3442-classless-static-routes;

        """.write(toFile: conf, atomically: true, encoding: .utf8)
        let leases = root + "/\(name).leases"
        _ = try await namespace.run(["dhclient", "-1", "-cf", conf, "-lf", leases, "-pf", root + "/\(name).pid", "eth0"])
        return (try? String(contentsOfFile: leases, encoding: .utf8)) ?? ""
    }

    /// What the metadata service answers guest `index` for `path` ("" when it cannot be reached).
    func metadata(_ index: Int, _ path: String) async throws -> String {
        try await guests[index].run(["curl", "-s", "-m", "5", "http://169.254.169.254" + path]).output
    }

    /// The A records the DHCP namespace's dnsmasq gives guest `index` for `name`.
    func dig(_ index: Int, _ name: String) async throws -> String {
        try await guests[index].run(["dig", "+short", "+time=1", "+tries=2", "@\(Self.dhcpServer)", name])
            .output.split(separator: "\n").filter { !$0.hasPrefix(";") }.joined(separator: "\n")
    }

    /// Every rule and chain line of the host's ebtables, without comments.
    func ebtables() async throws -> [String] {
        try await host.check(["ebtables-save"]).split(separator: "\n")
            .filter { $0.hasPrefix("-") || $0.hasPrefix(":") }.map(String.init)
    }

    /// A file the agent wrote for this namespace, nil when it is not there.
    func dnsmasqFile(_ name: String) -> String? {
        try? String(contentsOfFile: "\(dnsmasqDirectory)/\(namespace)/\(name)", encoding: .utf8)
    }

    var dnsmasqPid: Int32? {
        Processes.running(pidFile: "\(dnsmasqDirectory)/\(namespace)/dnsmasq.pid", command: "dnsmasq")
    }

    var lighttpdPid: Int32? {
        Processes.running(pidFile: "\(userdataDirectory)/\(namespace)/lighttpd.pid", command: "lighttpd")
    }

    var namespaceExists: Bool { FileManager.default.fileExists(atPath: "/run/netns/\(namespace)") }

    /// Sends `json` byte for byte, as the MN's Gson wrote it (not re-encoded by our encoder), the way the
    /// MN sends async commands, and decodes the callback.
    func send<Reply: Decodable>(_ client: AgentClient, _ mn: ManagementNodeEndpoint, _ path: String, _ json: String,
                                as reply: Reply.Type = EmptyReply.self) async throws -> Reply {
        let task = AgentClient.newTaskUUID()
        mn.expectCallback(task)
        let (status, _) = try await client.post(path, body: Array(json.utf8), headers: [
            (AgentHeader.taskUUID, task), (AgentHeader.callbackURL, mn.callbackURL),
        ])
        guard status == 200 else { throw ProgramError(description: "\(path) answered HTTP \(status)") }
        return try WireJSON.decode(reply, from: try await mn.callback(for: task, timeout: .seconds(60)))
    }

    /// DHCP namespaces of test processes that died before removing them.
    private static func removeLeftovers() async {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [] where name.hasPrefix(namespacePrefix) {
            guard let pid = pid_t(name.dropFirst(namespacePrefix.count).prefix(8), radix: 16),
                  pid != getpid(), kill(pid, 0) == -1, errno == ESRCH else { continue }
            await NetworkNamespace(name: name).remove()
        }
    }
}
