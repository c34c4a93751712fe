import AgentWire
import Foundation
import KVMAgent
import TestSupport
import Testing

/// `/flatnetworkprovider/eip/*` over real HTTP, on an `EipLab` host: real TCP through the namespace the agent
/// makes, its rules read back with `iptables-save` and `ebtables-save`, and foreign rules (the host's and the
/// EIP namespace's) checked before and after every command.
@Suite struct EipRoutesHTTPTests {
    /// Runs `body` with a lab and an agent whose bridges are the lab's host namespace.
    static func withAgent(tag: String, vip: String = EipLab.vip,
                          _ body: @Sendable (EipLab, KVMAgentHarness) async throws -> Void) async throws {
        try await EipLab.with(tag: tag, vip: vip) { lab in
            try await KVMAgentHarness.with(configure: { configuration, _ in
                configuration.networkNamespace = lab.host.name
                // This kernel has no sch_sfq.
                configuration.vipQosLeafQdisc = "pfifo"
            }) { agent in
                try await body(lab, agent)
            }
        }
    }

    static func send(_ agent: KVMAgentHarness, _ path: String, _ json: String) async throws -> EmptyReply {
        try await agent.call(path, try WireJSON.decode(JSONValue.self, from: Array(json.utf8)), as: EmptyReply.self)
    }

    /// Applies the lab's EIP as the MN's attach does and checks it worked.
    static func applyEip(_ lab: EipLab, _ agent: KVMAgentHarness) async throws {
        let reply = try await send(agent, KVM.Path.applyEip, #"{"eip":\#(lab.eipTO())}"#)
        #expect(reply.success, "\(reply.error ?? "")")
    }

    @Test func eipCarriesTrafficBothWaysIsIdempotentAndDeleteUndoesIt() async throws {
        try await Self.withAgent(tag: "a") { lab, agent in
            let eip = lab.eipNamespace
            try await lab.host.check(["iptables", "-A", "FORWARD", "-s", "203.0.113.9/32", "-j", "DROP"])
            try await lab.host.check(["ebtables", "-t", "nat", "-A", "POSTROUTING", "-p", "IPv6", "-o", "pubport", "-j", "ACCEPT"])
            let hostRules = try await EipLab.rules(in: lab.host)
            let hostBridgeRules = try await lab.ebtablesRules()
            let hostLinks = try await lab.hostLinks()

            try await Self.applyEip(lab, agent)
            #expect(lab.eipNamespaces() == [eip.name])
            // Public → VIP reaches the guest's listener (DNAT); guest → public leaves as the VIP (SNAT).
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: EipLab.vip, port: 8079, listener: lab.guest)
                    == EipLab.publicAddress)
            #expect(try await TrafficProbe.connect(from: lab.guest, to: EipLab.publicAddress, port: 8080, listener: lab.publicSide)
                    == EipLab.vip)

            let rules = try await EipLab.rules(in: eip)
            let tag = EipLab.tag
            for expected in [
                "-A PREROUTING -d 10.79.0.100/32 -j DNAT-10.79.0.100",
                "-A POSTROUTING -s 192.168.79.10/32 -j SNAT-10.79.0.100",
                "-A DNAT-10.79.0.100 -j DNAT --to-destination 192.168.79.10",
                "-A SNAT-10.79.0.100 -j SNAT --to-source 10.79.0.100",
                "-A FORWARD -s 192.168.79.10/32 ! -d 192.168.79.0/24 -j vip-perf",
                "-A FORWARD ! -s 192.168.79.0/24 -d 192.168.79.10/32 -j vip-perf",
                "-A FORWARD -i \(tag)_i -o \(tag)_ei -j FWD-10.79.0.100",
                "-A FWD-10.79.0.100 ! -d 192.168.79.10/32 -i \(tag)_ei -j REJECT --reject-with icmp-port-unreachable",
                "-A vip-perf -s 192.168.79.10/32 -j RETURN",
            ] {
                #expect(rules.contains(expected), "missing \(expected) in \(rules)")
            }
            // deip.py's ARP rules on the VM's bridge: the VM's gateway is the namespace.
            let bridgeRules = try await lab.ebtablesRules()
            let gatewayMAC = try await eip.check(["cat", "/sys/class/net/\(tag)_i/address"]).trimmingCharacters(in: .whitespacesAndNewlines)
            for expected in [
                "-A PREROUTING -i vnic79.0 -j vnic79.0-gw",
                "-A vnic79.0-gw -p ARP --arp-op Request --arp-ip-dst 192.168.79.1 -j arpreply --arpreply-mac \(gatewayMAC)",
                "-A POSTROUTING -p ARP -o \(tag)_o -j \(tag)_o-arp",
                "-A \(tag)_o-gw -p ARP --arp-op Request -j DROP",
                "-A vnic79.0-arp -p ARP -o vnic79.0 --arp-op Request --arp-ip-src 192.168.79.1 --arp-mac-src ! \(gatewayMAC) -j DROP",
            ] {
                #expect(bridgeRules.contains { $0.hasPrefix(expected) }, "missing \(expected) in \(bridgeRules)")
            }
            #expect(try await lab.guest.check(["ip", "neigh", "show", "192.168.79.1"]).contains(gatewayMAC))
            // deip.py's devices, alias and addresses.
            let links = try await lab.hostLinks()
            #expect(links.isSuperset(of: ["\(tag)_eo", "\(tag)_o"]))
            #expect(try await lab.host.check(["ip", "-d", "link", "show", "\(tag)_eo"])
                .contains("alias eip:\(EipLab.eipUuid),eip_addr:10.79.0.100,vnic:vnic79.0,vnic_ip:192.168.79.10,vm:\(EipLab.vmUuid),vip:\(EipLab.vipUuid)"))
            #expect(try await eip.check(["ip", "-4", "-br", "addr", "show", "\(tag)_ei"]).contains("10.79.0.100/24"))
            #expect(try await eip.check(["ip", "-4", "-br", "addr", "show", "\(tag)_i"]).contains("192.168.79.1/24"))
            #expect(try await eip.check(["ip", "route", "show", "default"]).contains("via 10.79.0.1"))
            #expect(try await eip.check(["ip", "neigh", "show", EipLab.nicIp]).contains("\(EipLab.nicMac) PERMANENT"))

            // Someone else's rules in the EIP namespace stay through every later command.
            try await eip.check(["iptables", "-A", "FORWARD", "-s", "203.0.113.8/32", "-j", "DROP"])
            try await eip.check(["iptables", "-t", "nat", "-A", "PREROUTING", "-s", "203.0.113.7/32", "-j", "RETURN"])
            let withForeign = try await EipLab.rules(in: eip)
            let addresses = try await eip.check(["ip", "-br", "addr"])

            // Applying again, alone or in a batch, changes nothing.
            try await Self.applyEip(lab, agent)
            let batch = try await Self.send(agent, KVM.Path.batchApplyEip, #"{"eips":[\#(lab.eipTO())]}"#)
            #expect(batch.success, "\(batch.error ?? "")")
            // The same rules, each once, the foreign ones kept (our jumps are re-appended after them).
            #expect(try await EipLab.rules(in: eip).sorted() == withForeign.sorted())
            #expect(try await eip.check(["ip", "-br", "addr"]) == addresses)
            #expect(try await lab.hostLinks() == links)
            #expect(try await lab.ebtablesRules().sorted() == bridgeRules.sorted())
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: EipLab.vip, port: 8081, listener: lab.guest)
                    == EipLab.publicAddress)

            let deleted = try await Self.send(agent, KVM.Path.deleteEip, #"{"eip":\#(lab.eipTO())}"#)
            #expect(deleted.success, "\(deleted.error ?? "")")
            #expect(lab.eipNamespaces().isEmpty)
            #expect(try await lab.hostLinks() == hostLinks)
            #expect(try await EipLab.rules(in: lab.host) == hostRules)
            #expect(try await lab.ebtablesRules() == hostBridgeRules)
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: EipLab.vip, port: 8082, listener: lab.guest,
                                                   timeout: 1) == nil)
            #expect(try await TrafficProbe.connect(from: lab.guest, to: EipLab.publicAddress, port: 8083,
                                                   listener: lab.publicSide, timeout: 1) == nil)

            // Deleting what is gone succeeds, alone or in a batch.
            for (path, body) in [(KVM.Path.deleteEip, #"{"eip":\#(lab.eipTO())}"#),
                                 (KVM.Path.batchDeleteEip, #"{"eips":[\#(lab.eipTO())]}"#)] {
                let again = try await Self.send(agent, path, body)
                #expect(again.success, "\(path): \(again.error ?? "")")
            }
            #expect(try await EipLab.rules(in: lab.host) == hostRules)
        }
    }

    @Test func batchApplyMakesEveryEipAndBatchDeleteRemovesThem() async throws {
        try await Self.withAgent(tag: "b") { lab, agent in
            // A second EIP on another VIP gets its own namespace and devices. (No traffic: ZStack gives a NIC
            // address one EIP, and the NIC's gateway is the namespace applied last.)
            let secondUuid = "6f1d8b2a0c3e5d4f9a7b1c2d3e4f5061"
            let second = lab.eipTO(vip: "10.79.0.101").replacingOccurrences(of: EipLab.eipUuid, with: secondUuid)
            let batch = try await Self.send(agent, KVM.Path.batchApplyEip, #"{"eips":[\#(lab.eipTO()),\#(second)]}"#)
            #expect(batch.success, "\(batch.error ?? "")")
            #expect(lab.eipNamespaces().sorted() == [lab.eipNamespace.name, "\(lab.publicBridge)_10_79_0_101"])
            let tag = secondUuid.suffix(9)
            #expect(try await lab.hostLinks().isSuperset(of: ["\(EipLab.tag)_eo", "\(EipLab.tag)_o", "\(tag)_eo", "\(tag)_o"]))
            #expect(try await EipLab.rules(in: NetworkNamespace(name: "\(lab.publicBridge)_10_79_0_101"))
                .contains("-A DNAT-10.79.0.101 -j DNAT --to-destination 192.168.79.10"))

            let deleted = try await Self.send(agent, KVM.Path.batchDeleteEip, #"{"eips":[\#(lab.eipTO()),\#(second)]}"#)
            #expect(deleted.success, "\(deleted.error ?? "")")
            #expect(lab.eipNamespaces().isEmpty)
            #expect(try await lab.hostLinks().filter { $0.hasSuffix("_eo") || $0.hasSuffix("_o") }.isEmpty)
        }
    }

    @Test func ipv6EipCarriesTrafficBothWaysAndDeleteUndoesIt() async throws {
        let vip = "2001:db8:79::100", publicAddress = "2001:db8:79::2", nicIp = "fd79::10"
        try await Self.withAgent(tag: "6", vip: vip) { lab, agent in
            for side in [lab.publicSide, lab.guest] {
                try await side.check(["sysctl", "-qw", "net.ipv6.conf.eth0.accept_dad=0"])
            }
            try await lab.publicSide.ip(["addr", "add", "\(publicAddress)/64", "dev", "eth0"])
            try await lab.guest.ip(["addr", "add", "\(nicIp)/64", "dev", "eth0"])
            try await lab.guest.ip(["-6", "route", "add", "default", "via", "fd79::1"])
            let body = #"{"eip":{"eipUuid":"\#(EipLab.eipUuid)","vipUuid":"\#(EipLab.vipUuid)","vmUuid":"\#(EipLab.vmUuid)","nicUuid":"0b1c2d3e4f5061728394a5b6c7d8e9f0","ipVersion":6,"vip":"\#(vip)","vipNetmask":"ffff:ffff:ffff:ffff::","vipGateway":"2001:db8:79::1","vipPrefixLen":64,"nicIp":"\#(nicIp)","nicMac":"\#(EipLab.nicMac)","nicGateway":"fd79::1","nicNetmask":"ffff:ffff:ffff:ffff::","nicPrefixLen":64,"nicName":"\#(EipLab.nicName)","vmBridgeName":"\#(lab.privateBridge)","publicBridgeName":"\#(lab.publicBridge)","skipArpCheck":false,"addfdb":false}}"#
            let hostBridgeRules = try await lab.ebtablesRules()
            for _ in 0..<2 {
                let applied = try await Self.send(agent, KVM.Path.applyEip, body)
                #expect(applied.success, "\(applied.error ?? "")")
            }
            #expect(lab.eipNamespaces() == ["\(lab.publicBridge)_\(vip)"])
            let eip = NetworkNamespace(name: "\(lab.publicBridge)_\(vip)")
            let rules = try await eip.check(["ip6tables-save"])
            for expected in ["-A EIP6-DNAT-\(EipLab.tag) -j DNAT --to-destination fd79::10",
                             "-A EIP6-SNAT-\(EipLab.tag) -j SNAT --to-source 2001:db8:79::100",
                             "-A PREROUTING -d 2001:db8:79::100/128 -j EIP6-DNAT-\(EipLab.tag)"] {
                #expect(rules.contains(expected), "missing \(expected) in \(rules)")
            }
            #expect(try await TrafficProbe.connect(from: lab.publicSide, to: vip, port: 8090, listener: lab.guest,
                                                   listenOn: "::", timeout: 8) == publicAddress)
            #expect(try await TrafficProbe.connect(from: lab.guest, to: publicAddress, port: 8091, listener: lab.publicSide,
                                                   listenOn: "::", timeout: 8) == vip)

            let deleted = try await Self.send(agent, KVM.Path.deleteEip, body)
            #expect(deleted.success, "\(deleted.error ?? "")")
            #expect(lab.eipNamespaces().isEmpty)
            #expect(try await lab.ebtablesRules() == hostBridgeRules)
        }
    }

    @Test func sriovNicGetsAnFdbEntryForTheNamespaceUntilDelete() async throws {
        try await Self.withAgent(tag: "d") { lab, agent in
            try await lab.host.addNIC("sriov0")
            let body = #"{"eip":\#(lab.eipTO().replacingOccurrences(of: #""addfdb":false"#, with: #""addfdb":true,"physicalNic":"sriov0""#))}"#
            for _ in 0..<2 {
                let applied = try await Self.send(agent, KVM.Path.applyEip, body)
                #expect(applied.success, "\(applied.error ?? "")")
            }
            let mac = try await lab.eipNamespace.check(["cat", "/sys/class/net/\(EipLab.tag)_i/address"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await lab.host.check(["bridge", "fdb", "show", "dev", "sriov0"]).contains("\(mac) self permanent"))
            let deleted = try await Self.send(agent, KVM.Path.deleteEip, body)
            #expect(deleted.success, "\(deleted.error ?? "")")
            #expect(!(try await lab.host.check(["bridge", "fdb", "show", "dev", "sriov0"])).contains(mac))
        }
    }

    @Test func hostileBodiesAreRefusedNamingTheFieldWithNothingApplied() async throws {
        try await Self.withAgent(tag: "c") { lab, agent in
            let hostLinks = try await lab.hostLinks()
            let good = lab.eipTO()
            let cases: [(String, String, String)] = [
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: #""vip":"10.79.0.100""#, with: #""vip":"10.79.0.300""#))}"#, "eip.vip"),
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: "vnic79.0", with: "vnic;reboot"))}"#, "eip.nicName"),
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: #""publicBridgeName":"feicpub""#, with: #""publicBridgeName":"../../etc""#))}"#, "eip.publicBridgeName"),
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: EipLab.eipUuid, with: "../../x"))}"#, "eip.eipUuid"),
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: #""nicNetmask":"255.255.255.0""#, with: #""nicNetmask":"255.0.255.0""#))}"#, "eip.nicNetmask"),
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: EipLab.nicMac, with: "fa:79:5c:1e:7b"))}"#, "eip.nicMac"),
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: #""ipVersion":4"#, with: #""ipVersion":5"#))}"#, "eip.ipVersion"),
                (KVM.Path.applyEip, #"{"eip":\#(good.replacingOccurrences(of: #""ipVersion":4"#, with: #""ipVersion":6"#))}"#, "eip.vip"),
                (KVM.Path.applyEip, "{}", "eip"),
                // The good EIP first: a batch is refused whole, so it is not applied either.
                (KVM.Path.batchApplyEip, #"{"eips":[\#(good),\#(good.replacingOccurrences(of: #""vipGateway":"10.79.0.1""#, with: #""vipGateway":"-j ACCEPT""#))]}"#, "eips[1].vipGateway"),
                (KVM.Path.batchDeleteEip, #"{"eips":[\#(good),{"eipUuid":"x;y"}]}"#, "eips[1].eipUuid"),
            ]
            for (path, body, field) in cases {
                let reply = try await Self.send(agent, path, body)
                #expect(!reply.success && (reply.error ?? "").contains(field), "\(path) \(field): \(reply.error ?? "success")")
                #expect(lab.eipNamespaces().isEmpty, "\(field)")
            }
            // A bridge this host lacks is found before anything is made.
            let missing = try await Self.send(agent, KVM.Path.applyEip,
                                              #"{"eip":\#(good.replacingOccurrences(of: "feicpri", with: "feicnone"))}"#)
            #expect(!missing.success && (missing.error ?? "").contains("vmBridgeName feicnone is not a bridge"))
            #expect(lab.eipNamespaces().isEmpty)
            #expect(try await lab.hostLinks() == hostLinks)

            // Someone on the public network already has the VIP: deip.py's arping probe refuses the EIP, and
            // the namespace this command made is taken down again with its devices and ARP rules.
            let bridgeRules = try await lab.ebtablesRules()
            try await lab.publicSide.ip(["addr", "add", "\(EipLab.vip)/24", "dev", "eth0"])
            let duplicate = try await Self.send(agent, KVM.Path.applyEip, #"{"eip":\#(good)}"#)
            #expect(!duplicate.success && (duplicate.error ?? "").contains("duplicated public IP 10.79.0.100"), "\(duplicate.error ?? "success")")
            #expect(lab.eipNamespaces().isEmpty)
            #expect(try await lab.hostLinks() == hostLinks)
            #expect(try await lab.ebtablesRules() == bridgeRules)
        }
    }
}
