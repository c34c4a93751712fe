import HostSystem
import AgentWire
import Testing
@testable import VirtualRouterAgent

/// Renderers on ZStack-shaped commands, decoded from JSON as the MN sends them.
@Suite struct RendererTests {
    static let interfaces = InterfaceTable(interfaces: [
        .init(name: "eth0", mac: "52:54:00:00:00:01", addresses: [.init(ip: IPv4Address("172.20.0.2")!, prefixLength: 16)]),
        .init(name: "eth1", mac: "52:54:00:00:00:02", addresses: [.init(ip: IPv4Address("10.0.0.1")!, prefixLength: 24)]),
        .init(name: "eth2", mac: "52:54:00:00:00:03", addresses: [
            .init(ip: IPv4Address("192.168.50.2")!, prefixLength: 24), .init(ip: IPv4Address("192.168.50.10")!, prefixLength: 24),
        ]),
    ])
    let resolver = CommandResolver(interfaces: interfaces)

    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try WireJSON.decode(type, from: Array(json.utf8))
    }

    @Test func snatRendersZStackChains() throws {
        let cmd = try decode(VR.SetSNATCmd.self, #"""
            {"snat":{"publicNicMac":"52:54:00:00:00:03","publicIp":"192.168.50.2","privateNicMac":"52:54:00:00:00:02",
             "privateNicIp":"10.0.0.1","snatNetmask":"255.255.255.0","state":true}}
            """#)
        var state = RouterState()
        try state.setSNATs([("snat", cmd.snat!)], resolver: resolver, replacing: false)
        let (filter, nat) = IptablesRenderer.render(state)
        #expect(nat.chains == ["snat-snat-eth1"])
        #expect(nat.rules == [
            "-A POSTROUTING -j snat-snat-eth1",
            "-A snat-snat-eth1 -s 10.0.0.0/24 -o eth2 -j SNAT --to-source 192.168.50.2",
        ])
        #expect(filter.rules.contains("-A FORWARD -i eth1 -o eth1 -j snat-fwd-eth1"))
        #expect(filter.rules.contains("-A FORWARD -i eth2 -o eth1 -j snat-fwd-eth1"))
        #expect(filter.rules.contains("-A snat-fwd-eth1 -j ACCEPT"))
    }

    @Test func eipRendersDNATSNATAndForward() throws {
        let cmd = try decode(VR.CreateEipCmd.self, #"""
            {"eip":{"vipIp":"192.168.50.10","privateMac":"52:54:00:00:00:02","guestIp":"10.0.0.10","snatInboundTraffic":"true"}}
            """#)
        var state = RouterState()
        try state.setEIPs([("eip", cmd.eip!)], resolver: resolver, replacing: false)
        let (filter, nat) = IptablesRenderer.render(state)
        #expect(nat.rules == [
            "-A PREROUTING -d 192.168.50.10/32 -j eip-dnat-eth2-eth1",
            "-A eip-dnat-eth2-eth1 -d 192.168.50.10/32 -j DNAT --to-destination 10.0.0.10",
            "-A POSTROUTING -s 10.0.0.10/32 -j eip-snat-eth2-eth1",
            "-A eip-snat-eth2-eth1 -s 10.0.0.10/32 -j SNAT --to-source 192.168.50.10",
            "-A POSTROUTING -d 10.0.0.10/32 -j eip-snat-gw-eth2-eth1",
            "-A eip-snat-gw-eth2-eth1 -d 10.0.0.10/32 -j SNAT --to-source 10.0.0.1",
        ])
        #expect(filter.rules == [
            "-A FORWARD -i eth2 -o eth1 -j eip-fwd-eth2-eth1",
            "-A FORWARD -i eth1 -o eth2 -j eip-fwd-eth2-eth1",
            "-A eip-fwd-eth2-eth1 -j ACCEPT",
        ])
    }

    @Test func chainNamesAreCutAsZStackCutsThem() {
        #expect(IptablesRenderer.eipChain("snat-gw", vipNIC: "vlan-public1", privateNIC: "eth1") == "eip-snat-gw-vlan-public1-e")
        #expect(IptablesRenderer.portForwardChain("dnat", vipNIC: "eth2", transport: "TCP", port: 65000) == "pf-dnat-eth2-TCP-65000")
        #expect(IptablesRenderer.portForwardChain("snat-gw", vipNIC: "eth12", transport: "UDP", port: 65000) == "pf-snat-gw-eth12-UDP-65000")
        #expect(IptablesRenderer.portForwardChain("snat-gw", vipNIC: "eth123", transport: "UDP", port: 65000).count == 27)
    }

    @Test func portForwardingWithRangesAndAllowedCidr() throws {
        let cmd = try decode(VR.CreatePortForwardingRuleCmd.self, #"""
            {"rules":[{"vipPortStart":"8000","vipPortEnd":8010,"privatePortStart":80,"privatePortEnd":90,"protocolType":"TCP",
              "vipIp":"192.168.50.10","privateIp":"10.0.0.10","privateMac":"52:54:00:00:00:02","allowedCidr":"192.168.0.0/16",
              "snatInboundTraffic":false}]}
            """#)
        var state = RouterState()
        try state.setPortForwards(cmd.rules!, resolver: resolver, replacing: false)
        let (filter, nat) = IptablesRenderer.render(state)
        #expect(nat.rules == [
            "-A PREROUTING -d 192.168.50.10/32 -p tcp -m tcp -j pf-dnat-eth2-TCP-8000",
            "-A pf-dnat-eth2-TCP-8000 -s 192.168.0.0/16 -d 192.168.50.10/32 -p tcp -m tcp --dport 8000:8010 -j DNAT --to-destination 10.0.0.10:80-90",
        ])
        #expect(filter.chains == ["pf-fwd-eth2-TCP-8000"])
        try state.revokePortForwards(cmd.rules!)
        #expect(IptablesRenderer.render(state).nat.rules.isEmpty)
    }

    @Test func nicInputChainAcceptsServicesThenRejects() {
        var state = RouterState()
        state.guardedNICs = ["eth1"]
        let rules = IptablesRenderer.render(state).filter.rules
        #expect(rules.first == "-A INPUT -i eth1 -j eth1-in")
        #expect(rules.contains("-A eth1-in -p udp -m udp --sport 68 --dport 67 -j ACCEPT"))
        #expect(rules.contains("-A eth1-in -p udp -m udp --dport 53 -j ACCEPT"))
        #expect(rules.contains("-A eth1-in -p tcp -m tcp --dport 22 -m state --state NEW -j ACCEPT"))
        #expect(rules.last == "-A eth1-in -j REJECT --reject-with icmp-host-prohibited")
    }

    @Test func restoreScriptTouchesOnlyOwnedChains() {
        var desired = IptablesRuleSet(table: "nat", ownership: .virtualRouter)
        desired.jump(from: "POSTROUTING", "", to: "snat-snat-eth1")
        desired.add("snat-snat-eth1", "-o eth2 -j SNAT --to-source 192.168.50.2")
        let save = """
            # Generated by iptables-save
            *nat
            :PREROUTING ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :DOCKER - [0:0]
            :eip-dnat-eth2-eth1 - [0:0]
            :snat-snat-eth1 - [0:0]
            -A PREROUTING -j DOCKER
            -A PREROUTING -d 192.168.50.10/32 -j eip-dnat-eth2-eth1
            -A POSTROUTING -j snat-snat-eth1
            -A DOCKER -j RETURN
            -A eip-dnat-eth2-eth1 -j DNAT --to-destination 10.0.0.10
            COMMIT
            """
        #expect(IptablesRestoreScript.script(for: desired, currentSave: save) == """
            *nat
            -D PREROUTING -d 192.168.50.10/32 -j eip-dnat-eth2-eth1
            -D POSTROUTING -j snat-snat-eth1
            -F eip-dnat-eth2-eth1
            -F snat-snat-eth1
            -X eip-dnat-eth2-eth1
            -A POSTROUTING -j snat-snat-eth1
            -A snat-snat-eth1 -o eth2 -j SNAT --to-source 192.168.50.2
            COMMIT

            """)
    }

    @Test func dnsmasqFilesInZStackFormat() throws {
        let cmd = try decode(VR.AddDhcpEntryCmd.self, #"""
            {"dhcpEntries":[
              {"ip":"10.0.0.10","mac":"FA:16:3E:00:00:0A","netmask":"255.255.255.0","gateway":"10.0.0.1","dns":["10.0.0.1"],
               "hostname":"web-1","vrNicMac":"52:54:00:00:00:02","dnsDomain":"zstack.org","isDefaultL3Network":true},
              {"ip":"10.0.1.11","mac":"fa:16:3e:00:00:0b","netmask":"255.255.255.0","gateway":"10.0.1.1","dns":[],
               "vrNicMac":"52:54:00:00:00:04","isDefaultL3Network":false}],
             "rebuild":false}
            """#)
        var state = RouterState()
        try state.addDHCP(cmd.dhcpEntries!, rebuild: cmd.rebuild!)
        try state.setDNS([VR.DnsInfo(dnsAddress: "8.8.8.8")])
        let files = DnsmasqFiles(state: state, paths: RouterPaths(root: "/r"))
        #expect(files.hosts == "fa:16:3e:00:00:0a,set:fa163e00000a,10.0.0.10,web-1,infinite\nfa:16:3e:00:00:0b,set:fa163e00000b,10.0.1.11,,infinite\n")
        #expect(files.options == """
            tag:fa163e00000a,option:router,10.0.0.1
            tag:fa163e00000a,option:dns-server,10.0.0.1
            tag:fa163e00000a,option:domain-name,zstack.org
            tag:fa163e00000a,option:netmask,255.255.255.0
            tag:fa163e00000b,3
            tag:fa163e00000b,6
            tag:fa163e00000b,option:netmask,255.255.255.0

            """)
        #expect(files.dnsHosts == "10.0.0.10 web-1\n")
        #expect(files.conf.contains("dhcp-range=10.0.0.1,static\ndhcp-range=10.0.1.1,static\n"))
        #expect(files.conf.contains("dhcp-hostsfile=/r/etc/hosts.dhcp\n"))
        #expect(files.resolvConf == "nameserver 8.8.8.8\n")
        // rebuild replaces; removal removes; the default hostname is ZStack's
        try state.addDHCP([try decode(VR.DhcpInfo.self, #"{"ip":"10.0.0.12","mac":"fa:16:3e:00:00:0c","netmask":"255.255.255.0","dnsDomain":"a.b","isDefaultL3Network":true}"#)], rebuild: true)
        #expect(DnsmasqFiles(state: state, paths: .production).dnsHosts == "10.0.0.12 10-0-0-12.a.b\n")
        _ = try state.removeDHCP([VR.DhcpInfo.init()].map { var i = $0; i.mac = "fa:16:3e:00:00:0c"; return i })
        #expect(DnsmasqFiles(state: state, paths: .production).hosts == "")
    }

    @Test func haproxyConfigFromLbTO() throws {
        let cmd = try decode(VR.RefreshLbCmd.self, #"""
            {"lbs":[{"lbUuid":"a1b2","listenerUuid":"c3d4","vip":"192.168.50.10","nicIps":["10.0.0.10","10.0.0.11"],
              "instancePort":8080,"loadBalancerPort":80,"mode":"http",
              "parameters":["balancerAlgorithm::leastconn","healthCheckTarget::tcp:default","maxConnection::5000"]}]}
            """#)
        let listener = try CommandResolver.listener(cmd.lbs![0], field: "lbs[0]")
        #expect(listener.name == "a1b2-c3d4")
        let config = HaproxyConfig.render(listener)
        #expect(config.contains("    maxconn 5000\n"))
        #expect(config.contains("listen c3d4\n    mode http\n"))
        #expect(config.contains("    balance leastconn\n    bind 192.168.50.10:80\n"))
        #expect(config.contains("    server nic-10.0.0.11 10.0.0.11:8080 check port 8080 inter 5s rise 2 fall 2\n"))
        #expect(RouterPaths.production.haproxyConfig(listener.name) == "/etc/haproxy/a1b2-c3d4.cfg")
        #expect(RouterPaths.production.haproxyPidFile(listener.name) == "/var/run/haproxy-a1b2-c3d4.pid")
    }
}
