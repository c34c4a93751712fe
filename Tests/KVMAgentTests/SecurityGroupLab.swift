import AgentClient
import AgentWire
import Foundation
import KVMAgent
import Logging
import TestSupport
import Testing

/// A KVM host for the security-group tests: a "host" namespace the agent runs iptables and ipset in, with
/// bridge `br_sg` and two "guest" namespaces attached by veth pairs whose host ends are the VM NICs,
/// `vnic1.0` and `vnic2.0` as ZStack names tap devices. br_netfilter is per namespace on this kernel
/// (`/proc/sys/net/bridge` exists in a new one, `bridge-nf-call-iptables` 1), so bridged traffic between
/// the guests crosses the host's FORWARD chain, where the rules are. Foreign rules are planted first.
struct SecurityGroupLab: Sendable {
    static let nics = ["vnic1.0", "vnic2.0"]
    static let addresses = ["10.80.0.1", "10.80.0.2"]
    static let addresses6 = ["fd80::1", "fd80::2"]
    /// Rules another program put in the host's filter tables; every command must leave them.
    static let foreignRules = ["-A INPUT -p tcp -m tcp --dport 9 -j ACCEPT", "-A FORWARD -s 192.0.2.1/32 -j fsg-foreign",
                               "-A fsg-foreign -j DROP"]
    static let foreignRules6 = ["-A INPUT -p tcp -m tcp --dport 9 -j ACCEPT"]

    let host: NetworkNamespace
    let guests: [NetworkNamespace]
    let client: AgentClient
    let mn: ManagementNodeEndpoint

    static func with(_ body: @Sendable (SecurityGroupLab) async throws -> Void) async throws {
        try await NetworkNamespace.with(prefix: "fsg-", roles: ["host", "g1", "g2"]) { namespaces in
            let host = namespaces[0]
            try await host.ip(["link", "add", "br_sg", "type", "bridge"])
            try await host.ip(["link", "set", "br_sg", "up"])
            for (index, guest) in namespaces.dropFirst().enumerated() {
                try await host.ip(["link", "add", nics[index], "type", "veth", "peer", "name", "eth0", "netns", guest.name])
                try await host.ip(["link", "set", nics[index], "master", "br_sg", "up"])
                try await guest.ip(["addr", "add", addresses[index] + "/24", "dev", "eth0"])
                try await guest.ip(["addr", "add", addresses6[index] + "/64", "dev", "eth0", "nodad"])
                try await guest.ip(["link", "set", "eth0", "up"])
            }
            try await host.check(["iptables", "-N", "fsg-foreign"])
            for rule in foreignRules { try await host.check(["iptables"] + rule.split(separator: " ").map(String.init)) }
            for rule in foreignRules6 { try await host.check(["ip6tables"] + rule.split(separator: " ").map(String.init)) }
            let configuration = KVMAgentConfiguration(server: .test(), libvirtURI: "test:///default", networkNamespace: host.name)
            try await ManagementNodeEndpoint.run { mn in
                try await RunningAgent.with(try await buildKVMAgent(configuration, logger: Logger(label: "test.kvm.sg"))) { agent in
                    try await body(SecurityGroupLab(host: host, guests: Array(namespaces.dropFirst()), client: agent.client, mn: mn))
                }
            }
        }
    }

    /// Posts a body as the MN's Gson writes it and waits for the callback.
    func send(_ path: String, _ json: String) async throws -> EmptyReply {
        try await client.async(path, try WireJSON.decode(JSONValue.self, from: Array(json.utf8)), as: EmptyReply.self,
                               via: mn, timeout: .seconds(60))
    }

    /// The host's filter table without the comment lines (they carry the time).
    func save(ipv6: Bool = false) async throws -> String {
        try await host.check([ipv6 ? "ip6tables-save" : "iptables-save", "-t", "filter"])
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
    }

    func saveLines(ipv6: Bool = false) async throws -> Set<String> {
        Set(try await save(ipv6: ipv6).split(separator: "\n").map(String.init))
    }

    /// Every set in the host namespace: name to members.
    func ipsets() async throws -> [String: Set<String>] {
        var sets: [String: Set<String>] = [:]
        var name: String?
        var inMembers = false
        for line in try await host.check(["ipset", "list"]).split(separator: "\n").map(String.init) {
            if line.hasPrefix("Name: ") {
                name = String(line.dropFirst(6))
                sets[name!] = []
                inMembers = false
            } else if line == "Members:" {
                inMembers = true
            } else if inMembers, let name {
                sets[name]?.insert(line)
            }
        }
        return sets
    }

    func expectForeignRulesKept(_ context: String) async throws {
        let lines = try await saveLines()
        for rule in Self.foreignRules { #expect(lines.contains(rule), "\(context): lost \(rule)") }
        let lines6 = try await saveLines(ipv6: true)
        for rule in Self.foreignRules6 { #expect(lines6.contains(rule), "\(context): lost ip6 \(rule)") }
    }

    private static let echoServer = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1); s.settimeout(30)
        c, a = s.accept(); c.settimeout(30)
        while True:
            d = c.recv(16)
            if not d: break
            c.sendall(d)
        """
    /// Echoes once, says so with `<flag>.up`, waits for `<flag>.go`, then tries once more.
    private static let heldClient = """
        import os, socket, sys, time
        end = time.time() + 10
        while True:
            try:
                c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.5); break
            except OSError:
                if time.time() > end: print("no connection"); sys.exit(1)
                time.sleep(0.1)
        c.settimeout(5); c.sendall(b"a"); c.recv(16)
        open(sys.argv[3] + ".up", "w").close()
        while not os.path.exists(sys.argv[3] + ".go"): time.sleep(0.05)
        c.settimeout(2)
        try:
            c.sendall(b"b"); print("open" if c.recv(16) else "cut")
        except OSError:
            print("cut")
        """

    /// Whether a TCP connection guest 1 opened to guest 2's `port` before `change` still carries data after it.
    func heldConnectionSurvives(port: Int, _ change: () async throws -> Void) async throws -> Bool {
        let scratch = try TemporaryDirectory("fsg-held")
        defer { scratch.remove() }
        let flag = scratch.appending("flag")
        let server = Task { try await guests[1].run(["python3", "-c", Self.echoServer, String(port)]) }
        defer { server.cancel() }
        let client = Task { try await guests[0].run(["python3", "-c", Self.heldClient, Self.addresses[1], String(port), flag]) }
        let up = await eventually(within: .seconds(15)) { FileManager.default.fileExists(atPath: flag + ".up") }
        let stuck = up ? "" : try await client.value.output
        try #require(up, "the connection never carried data: \(stuck)")
        try await change()
        #expect(FileManager.default.createFile(atPath: flag + ".go", contents: nil))
        let said = try await client.value.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(said == "open" || said == "cut", "\(said)")
        return said == "open"
    }

    /// Whether guest 1 can open a TCP connection to guest 2's `port` (a listener runs there meanwhile).
    func guest1Connects(port: Int, ipv6: Bool = false) async throws -> Bool {
        let target = ipv6 ? Self.addresses6[1] : Self.addresses[1]
        return try await TrafficProbe.connect(from: guests[0], to: target, port: port, listener: guests[1],
                                              listenOn: ipv6 ? "::" : "0.0.0.0") != nil
    }
}
