import Foundation
import TestSupport
import Testing
import VirtualRouterAgent

/// NICs, DHCP and DNS over HTTP against real ip, iptables, dnsmasq and dhclient in network namespaces.
@Suite(.serialized) struct RouterIntegrationTests {
    @Test func nicDHCPAndDNS() async throws {
        try await RouterAgentHarness.with { vr in
            let lab = vr.lab
            try await vr.apply("/configurenic", RouterAgentHarness.configureNICs)
            let addresses = try await lab.router.check(["ip", "-4", "addr", "show"])
            #expect(addresses.contains("inet 10.0.0.1/24") && addresses.contains("inet 192.168.50.2/24"))
            #expect(try await lab.router.check(["ip", "route"]).contains("default via 192.168.50.100 dev eth2"))
            let filter = try await lab.router.check(["iptables-save", "-t", "filter"])
            #expect(filter.contains("-A INPUT -i eth1 -j eth1-in"))
            #expect(filter.contains("-A eth1-in -j REJECT --reject-with icmp-host-prohibited"))
            #expect(filter.contains("-A INPUT -i eth2 -j eth2-in"))

            try await vr.apply("/adddhcp", RouterAgentHarness.guestDHCP)
            #expect(lab.dnsmasqPid != nil)
            #expect(lab.file("etc/hosts.dhcp")?.contains(NetnsLab.guestMAC) == true)
            #expect(try await lab.dhcp().contains("inet 10.0.0.10/24"))
            #expect(try await lab.guest.check(["ip", "route"]).contains("default via 10.0.0.1"))
            #expect(try await lab.dig("web-1") == "10.0.0.10")

            // Every change leaves dnsmasq running and answering (it restarts: see `DnsmasqReload`).
            try await vr.apply("/adddhcp", """
                {"dhcpEntries":[{"ip":"10.0.0.20","mac":"fa:16:3e:00:00:14","netmask":"255.255.255.0","gateway":"10.0.0.1",
                  "hostname":"db-1","isDefaultL3Network":true}]}
                """)
            #expect(lab.dnsmasqPid != nil)
            #expect(try await lab.dig("db-1") == "10.0.0.20")

            try await vr.apply("/setdns", #"{"dns":[{"dnsAddress":"192.168.50.100"}]}"#)
            #expect(lab.file("etc/resolv.conf") == "nameserver 192.168.50.100\n")

            try await vr.apply("/removedhcp", """
                {"dhcpEntries":[{"ip":"10.0.0.20","mac":"fa:16:3e:00:00:14","vrNicMac":"\(NetnsLab.privateMAC)"}]}
                """)
            #expect(try await lab.dig("db-1") == "")
            #expect(try await lab.dig("web-1") == "10.0.0.10")
            #expect(lab.dnsmasqPid != nil)
            #expect(!(lab.file("etc/hosts.dhcp") ?? "").contains("fa:16:3e:00:00:14"))

            // Removing the guest's entry also releases its live lease (dhcp_release, from dnsmasq-utils).
            #expect(lab.file("etc/hosts.leases")?.contains(NetnsLab.guestMAC) == true)
            try await vr.apply("/removedhcp", """
                {"dhcpEntries":[{"ip":"10.0.0.10","mac":"\(NetnsLab.guestMAC)","vrNicMac":"\(NetnsLab.privateMAC)"}]}
                """)
            #expect(await eventually(within: .seconds(3)) { lab.file("etc/hosts.leases")?.contains(NetnsLab.guestMAC) == false })
            #expect(lab.dnsmasqPid != nil)
        }
    }

    @Test func dnsmasqRestartsAfterConfiguredSignalsAndKeepsAnswering() async throws {
        try await RouterAgentHarness.with(reload: .signal) { vr in
            let lab = vr.lab
            try await vr.apply("/configurenic", RouterAgentHarness.configureNICs)
            try await lab.guest.ip(["addr", "add", "10.0.0.10/24", "dev", "eth0"])
            try await vr.apply("/init", #"{"uuid":"vr-1","restartDnsmasqAfterNumberOfSIGUSER1":2}"#)
            try await vr.apply("/adddhcp", RouterAgentHarness.guestDHCP)
            var pids: [Int32] = []
            for i in 0..<4 {
                // Back-to-back changes: each SIGHUP waits for the handler, so none can kill dnsmasq.
                try await vr.apply("/setdns", #"{"dns":[{"dnsAddress":"192.168.50.\#(200 + i)"}]}"#)
                pids.append(try #require(lab.dnsmasqPid))
                #expect(try await lab.dig("web-1") == "10.0.0.10")
            }
            // Signals 1 and 2 reload the first process; the third change restarts it.
            #expect(pids[0] == pids[1])
            #expect(pids[1] != pids[2])
        }
    }
}
