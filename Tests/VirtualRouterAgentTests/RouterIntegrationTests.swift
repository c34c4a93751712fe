import HostSystem
import AgentWire
import Foundation
import Testing
@testable import VirtualRouterAgent

/// The router's appliers against real ip, iptables, dnsmasq and dhclient in network namespaces.
@Suite(.serialized) struct RouterIntegrationTests {
    static func router(_ lab: NetnsLab, reload: DnsmasqReload = .restart) -> VirtualRouter {
        VirtualRouter(configuration: .init(
            paths: RouterPaths(root: lab.root), runner: lab.routerRunner, managementNIC: "eth0", haproxyUser: nil,
            dnsmasqReload: reload))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try WireJSON.decode(type, from: Array(json.utf8))
    }

    /// Gives the router its two NICs (found by MAC) as the MN does right after boot.
    static func configureNICs(_ router: VirtualRouter) async throws {
        try await router.configureNICs(decode(VR.ConfigureNicCmd.self, """
            {"nics":[{"ip":"10.0.0.1","mac":"\(NetnsLab.privateMAC)","netmask":"255.255.255.0","isDefaultRoute":false},
                     {"ip":"192.168.50.2","mac":"\(NetnsLab.publicMAC)","netmask":"255.255.255.0","gateway":"192.168.50.100",
                      "isDefaultRoute":true}]}
            """))
    }

    static let guestDHCP = """
        {"dhcpEntries":[{"ip":"10.0.0.10","mac":"\(NetnsLab.guestMAC)","netmask":"255.255.255.0","gateway":"10.0.0.1",
          "dns":["10.0.0.1"],"hostname":"web-1","vrNicMac":"\(NetnsLab.privateMAC)","dnsDomain":"zstack.org",
          "isDefaultL3Network":true}],"rebuild":false}
        """

    /// Runs dhclient once in the guest; returns the guest's eth0 addresses afterwards.
    static func dhcp(_ lab: NetnsLab) async throws -> String {
        let conf = lab.root + "/dhclient.conf"
        try "timeout 15;\nretry 1;\n".write(toFile: conf, atomically: true, encoding: .utf8)
        _ = try await lab.guestRunner.run(["dhclient", "-1", "-cf", conf, "-lf", lab.root + "/guest.leases",
                                           "-pf", lab.root + "/dhclient.pid", "eth0"])
        return try await lab.guestRunner.check(["ip", "-4", "addr", "show", "dev", "eth0"])
    }

    /// The A records dnsmasq gives for `name` ("" when none: a removed name is forwarded upstream,
    /// where nothing answers, so dig's failure is expected then).
    static func dig(_ lab: NetnsLab, _ name: String) async throws -> String {
        try await lab.guestRunner.run(["dig", "+short", "+time=1", "+tries=2", "@10.0.0.1", name])
            .stdout.split(separator: "\n").filter { !$0.hasPrefix(";") }.joined(separator: "\n")
    }

    @Test func nicDHCPAndDNS() async throws {
        try await NetnsLab.with { lab in
            let router = Self.router(lab)
            try await Self.configureNICs(router)
            let addresses = try await lab.routerRunner.check(["ip", "-4", "addr", "show"])
            #expect(addresses.contains("inet 10.0.0.1/24") && addresses.contains("inet 192.168.50.2/24"))
            #expect(try await lab.routerRunner.check(["ip", "route"]).contains("default via 192.168.50.100 dev eth2"))
            let filter = try await lab.routerRunner.check(["iptables-save", "-t", "filter"])
            #expect(filter.contains("-A INPUT -i eth1 -j eth1-in"))
            #expect(filter.contains("-A eth1-in -j REJECT --reject-with icmp-host-prohibited"))
            #expect(filter.contains("-A INPUT -i eth2 -j eth2-in"))

            try await router.addDHCP(Self.decode(VR.AddDhcpEntryCmd.self, Self.guestDHCP))
            #expect(await router.dnsmasqPid != nil)
            #expect(try await Self.dhcp(lab).contains("inet 10.0.0.10/24"))
            #expect(try await lab.guestRunner.check(["ip", "route"]).contains("default via 10.0.0.1"))
            #expect(try await Self.dig(lab, "web-1") == "10.0.0.10")

            // Every change leaves dnsmasq running and answering (it restarts: see `DnsmasqReload`).
            try await router.addDHCP(Self.decode(VR.AddDhcpEntryCmd.self, """
                {"dhcpEntries":[{"ip":"10.0.0.20","mac":"fa:16:3e:00:00:14","netmask":"255.255.255.0","gateway":"10.0.0.1",
                  "hostname":"db-1","isDefaultL3Network":true}]}
                """))
            #expect(await router.dnsmasqPid != nil)
            #expect(try await Self.dig(lab, "db-1") == "10.0.0.20")

            try await router.setDNS(VR.SetDnsCmd(dns: [VR.DnsInfo(dnsAddress: "192.168.50.100")]))
            #expect((try? Files.readText(lab.root + "/etc/resolv.conf")) == "nameserver 192.168.50.100\n")

            try await router.removeDHCP(Self.decode(VR.RemoveDhcpEntryCmd.self, """
                {"dhcpEntries":[{"ip":"10.0.0.20","mac":"fa:16:3e:00:00:14","vrNicMac":"\(NetnsLab.privateMAC)"}]}
                """))
            #expect(try await Self.dig(lab, "db-1") == "")
            #expect(try await Self.dig(lab, "web-1") == "10.0.0.10")
            #expect(await router.dnsmasqPid != nil)
            #expect(!((try? Files.readText(lab.root + "/etc/hosts.dhcp")) ?? "").contains("fa:16:3e:00:00:14"))

            // Removing the guest's entry also releases its live lease (dhcp_release, from dnsmasq-utils).
            #expect((try? Files.readText(lab.root + "/etc/hosts.leases"))?.contains(NetnsLab.guestMAC) == true)
            try await router.removeDHCP(Self.decode(VR.RemoveDhcpEntryCmd.self, """
                {"dhcpEntries":[{"ip":"10.0.0.10","mac":"\(NetnsLab.guestMAC)","vrNicMac":"\(NetnsLab.privateMAC)"}]}
                """))
            let released = await DaemonProcess.wait(for: .seconds(3)) {
                (try? Files.readText(lab.root + "/etc/hosts.leases"))?.contains(NetnsLab.guestMAC) == false
            }
            #expect(released)
            #expect(await router.dnsmasqPid != nil)
            await router.shutdown()
        }
    }

    @Test func dnsmasqRestartsAfterConfiguredSignalsAndKeepsAnswering() async throws {
        try await NetnsLab.with { lab in
            let router = Self.router(lab, reload: .signal)
            try await Self.configureNICs(router)
            try await lab.guestRunner.check(["ip", "addr", "add", "10.0.0.10/24", "dev", "eth0"])
            var initCmd = VR.InitCommand()
            initCmd.uuid = "vr-1"
            initCmd.restartDnsmasqAfterNumberOfSIGUSER1 = 2
            await router.initialize(initCmd)
            try await router.addDHCP(Self.decode(VR.AddDhcpEntryCmd.self, Self.guestDHCP))
            var pids: [Int32] = []
            for i in 0..<4 {
                // Back-to-back changes: each SIGHUP waits for the handler, so none can kill dnsmasq.
                try await router.setDNS(VR.SetDnsCmd(dns: [VR.DnsInfo(dnsAddress: "192.168.50.\(200 + i)")]))
                pids.append(try #require(await router.dnsmasqPid))
                #expect(try await Self.dig(lab, "web-1") == "10.0.0.10")
            }
            // Signals 1 and 2 reload the first process; the third change restarts it.
            #expect(pids[0] == pids[1])
            #expect(pids[1] != pids[2])
            await router.shutdown()
        }
    }
}
