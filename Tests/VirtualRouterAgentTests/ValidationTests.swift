import HostSystem
import AgentWire
import Testing
@testable import VirtualRouterAgent

/// Hostile or wrong values are refused with an error naming the field, before any state changes.
@Suite struct ValidationTests {
    let resolver = CommandResolver(interfaces: RendererTests.interfaces)

    @Test(arguments: ["; rm -rf /", "52:54:00:00:00:0g", "52:54:00:00:00:01\n", "", "../etc/passwd"])
    func badMACs(_ mac: String) {
        var info = VR.DhcpInfo()
        info.ip = "10.0.0.5"; info.netmask = "255.255.255.0"; info.mac = mac
        var state = RouterState()
        #expect(throws: InvalidField.self) { try state.addDHCP([info], rebuild: false) }
        #expect(state == RouterState())
    }

    @Test(arguments: ["10.0.0.256", "10.0.0", "010.0.0.1", "1.2.3.4; reboot", " 1.2.3.4"])
    func badAddresses(_ ip: String) {
        #expect(throws: InvalidField.self) { try Validate.ipv4(ip, "ip") }
    }

    @Test func errorsNameFieldAndEscapeValue() throws {
        var info = VR.DhcpInfo()
        info.ip = "10.0.0.5"; info.netmask = "255.255.255.0"; info.mac = "fa:16:3e:00:00:01"
        info.hostname = "evil\nhost"
        var state = RouterState()
        let error = try #require(throws: InvalidField.self) { try state.addDHCP([info], rebuild: false) }
        #expect(error.field == "dhcpEntries[0].hostname")
        #expect(error.description == #"invalid dhcpEntries[0].hostname: "evil\nhost" is not a host or domain name (letters, digits, '-' and '.')"#)
    }

    @Test func netmasksPortsProtocolsAndDomains() {
        #expect(throws: InvalidField.self) { try Validate.netmask("255.0.255.0", "netmask") }
        #expect((try? Validate.netmask("255.255.240.0", "netmask")) == 20)
        #expect(throws: InvalidField.self) { try Validate.port(0, "p") }
        #expect(throws: InvalidField.self) { try Validate.port(65536, "p") }
        #expect(throws: InvalidField.self) { try Validate.portRange(90, 80, "vipPort") }
        #expect(throws: InvalidField.self) { try Validate.transport("ICMP", "protocolType") }
        #expect(throws: InvalidField.self) { try Validate.dnsName("-bad.example", "dnsDomain") }
        #expect(throws: InvalidField.self) { try Validate.dnsName("a..b", "dnsDomain") }
        #expect(throws: InvalidField.self) { try Validate.identifier("../../etc/cron.d/x", "lbUuid") }
        #expect(throws: InvalidField.self) { try Validate.cidr("10.0.0.0/33", "allowedCidr") }
        #expect((try? Validate.cidr("10.0.0.7/24", "allowedCidr")) == "10.0.0.0/24")
    }

    @Test func unknownListenerParameterIsRefused() throws {
        var lb = VR.LbTO()
        lb.lbUuid = "a"; lb.listenerUuid = "b"; lb.vip = "1.2.3.4"; lb.instancePort = 80; lb.loadBalancerPort = 80
        lb.mode = "tcp"; lb.parameters = ["balancerAlgorithm::roundrobin\n    stats enable"]
        #expect(throws: InvalidField.self) { try CommandResolver.listener(lb, field: "lbs[0]") }
    }

    @Test func unknownNICIsARouterError() throws {
        var snat = VR.SNATInfo()
        snat.publicNicMac = "52:54:00:00:00:03"; snat.privateNicMac = "52:54:00:99:99:99"; snat.publicIp = "192.168.50.2"
        #expect(throws: RouterError.noInterface(mac: "52:54:00:99:99:99", field: "snat.privateNicMac")) {
            try resolver.snat(snat, field: "snat")
        }
    }
}
