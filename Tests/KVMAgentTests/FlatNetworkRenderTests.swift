@testable import KVMAgent
import AgentWire
import HostSystem
import Testing

/// The flat network's pure parts: the names it derives, dnsmasq's files, lighttpd's configuration and the
/// ebtables rule sets, against the layouts mevoco.py writes.
@Suite struct FlatNetworkRenderTests {
    private func info(mac: String, ip: String, isDefault: Bool, multiGateway: Bool = false) -> KVM.DhcpInfo {
        var info = KVM.DhcpInfo()
        info.ipVersion = 4
        info.mac = mac
        info.ip = ip
        info.netmask = "255.255.255.0"
        info.gateway = "10.0.0.1"
        info.hostname = isDefault ? "vm.example.org" : nil
        info.isDefaultL3Network = isDefault
        info.dnsDomain = isDefault ? "example.org" : nil
        info.dns = ["10.0.0.2", "8.8.8.8"]
        info.mtu = 1400
        info.vmMultiGateway = multiGateway
        info.hostRoutes = [KVM.HostRouteInfo(prefix: "192.168.9.0/24", nexthop: "10.0.0.254")]
        return info
    }

    @Test func namesAreMevocosOnes() {
        #expect(FlatNames.uplink(ofBridge: "br_eth0") == "eth0")
        #expect(FlatNames.uplink(ofBridge: "br_eth0_100") == "eth0.100")
        #expect(FlatNames.uplink(ofBridge: "br_vx_7863") == "vxlan7863")
        #expect(FlatNames.dhcpChain(IPv4Address("10.0.0.2")!) == "ZSTACK-10.0.0.2")
        #expect(FlatNames.userdataChain(bridge: "br_bond0_1234", l3Uuid: "0123456789abcdef") == "USERDATA-r_bond0_1234-01234567")
        #expect(FlatNames.userdataChain(bridge: "br_eth0", l3Uuid: "0123456789abcdef").count <= 31)
    }

    @Test func dnsmasqFilesHaveMevocosLayout() throws {
        let entries = [try FlatDhcpEntry(info(mac: "FA:16:3E:00:00:01", ip: "10.0.0.10", isDefault: true), field: "d[0]"),
                       try FlatDhcpEntry(info(mac: "fa:16:3e:00:00:02", ip: "10.0.0.11", isDefault: false, multiGateway: true), field: "d[1]")]
        let paths = FlatNetworkPaths(dnsmasqRoot: "/r/dnsmasq", userdataRoot: "/r/userdata").dnsmasq("br_eth0_l3")
        let files = FlatDnsmasqFiles(entries: entries, paths: paths, interface: "inner3")
        #expect(files.hosts == "fa:16:3e:00:00:01,set:fa163e000001,10.0.0.10,vm.example.org,infinite\nfa:16:3e:00:00:02,set:fa163e000002,10.0.0.11,infinite\n")
        #expect(files.options == """
            tag:fa163e000001,option:router,10.0.0.1
            tag:fa163e000001,option:dns-server,10.0.0.2,8.8.8.8
            tag:fa163e000001,option:domain-name,example.org
            tag:fa163e000001,option:classless-static-route,0.0.0.0/0,10.0.0.1,192.168.9.0/24,10.0.0.254
            tag:fa163e000001,option:microsoft-249,0.0.0.0/0,10.0.0.1,192.168.9.0/24,10.0.0.254
            tag:fa163e000001,option:netmask,255.255.255.0
            tag:fa163e000001,option:mtu,1400
            tag:fa163e000002,3
            tag:fa163e000002,6
            tag:fa163e000002,option:router,10.0.0.1
            tag:fa163e000002,option:netmask,255.255.255.0
            tag:fa163e000002,option:mtu,1400

            """)
        #expect(files.dnsHosts == "10.0.0.10 vm.example.org\n")
        #expect(files.conf.contains("interface=inner3\n") && files.conf.contains("dhcp-range=10.0.0.1,static\n"))
        #expect(files.conf.contains("dhcp-hostsfile=/r/dnsmasq/br_eth0_l3/hosts.dhcp\n") && files.conf.contains("leasefile-ro\n"))
    }

    @Test func dhcpChainKeepsDhcpOffTheUplinkAndOwnsOnlyItsNames() {
        let rules = FlatEbtables.dhcp(server: IPv4Address("10.0.0.2")!, uplink: "eth0", owning: ["ZSTACK-10.0.0.2", "ZSTACK-10.0.0.3"])
        #expect(rules.rules.contains("-A ZSTACK-10.0.0.2 -p IPv4 -o eth0 --ip-proto udp --ip-sport 67:68 -j DROP"))
        #expect(rules.rules.last == "-A FORWARD -j ZSTACK-10.0.0.2")
        #expect(rules.owns(chain: "ZSTACK-10.0.0.3") && !rules.owns(chain: "ZSTACK-10.0.0.20"))
        let script = IptablesRestoreScript.script(for: rules, currentSave: """
            *filter
            :FORWARD ACCEPT
            :ZSTACK-10.0.0.3 ACCEPT
            :ZSTACK-10.0.0.20 ACCEPT
            -A FORWARD -j ZSTACK-10.0.0.3
            -A FORWARD -j ZSTACK-10.0.0.20
            """, newChain: IptablesApplier.Frontend.ebtables.newChain)
        #expect(script.contains(":ZSTACK-10.0.0.2 ACCEPT\n") && script.contains("-D FORWARD -j ZSTACK-10.0.0.3\n"))
        #expect(script.contains("-X ZSTACK-10.0.0.3\n") && !script.contains("ZSTACK-10.0.0.20"))
    }

    @Test func eachVmGetsItsOwnDocumentRoot() {
        let paths = FlatNetworkPaths(dnsmasqRoot: "/r/dnsmasq", userdataRoot: "/r/userdata").userdata("ns")
        let conf = FlatLighttpdConf.render(paths: paths, port: 1180, vms: ["10.0.0.10", "10.0.0.11"])
        #expect(conf.contains("server.bind = \"169.254.169.254\"\n") && conf.contains("server.port = 1180\n"))
        #expect(conf.contains("$HTTP[\"remoteip\"] == \"10.0.0.10\" {\n    server.document-root = \"/r/userdata/ns/html/10.0.0.10\"\n"))
        #expect(conf.contains("else $HTTP[\"remoteip\"] == \"10.0.0.11\" {\n    server.document-root = \"/r/userdata/ns/html/10.0.0.11\"\n"))
        #expect(conf.hasPrefix("server.document-root = \"/r/userdata/ns/html/zstack-default\"\n"))
        #expect(FlatUserdataVM.pack(["a"]) == "a" && FlatUserdataVM.pack(["#cloud-config\n", "#!/bin/sh\n"]).contains("multipart/mixed"))
    }
}
