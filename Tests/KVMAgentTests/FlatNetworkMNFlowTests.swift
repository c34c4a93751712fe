import AgentWire
import Foundation
import Libvirt
import TestSupport
import Testing

/// The MN's flat network flows replayed over HTTP against a host namespace: real namespaces, veth pairs,
/// ebtables, dnsmasq, lighttpd, and guests running dhclient, dig and curl.
@Suite(.serialized) struct FlatNetworkMNFlowTests {
    typealias Bodies = FlatNetworkBodies

    @Test func vmStartFlowServesDhcpDnsAndUserdataUntilTheNamespaceIsDeleted() async throws {
        try await FlatNetworkLab.with { lab in
            try await lab.withAgent { client, mn in
                // KVMHostConnectExtensionPoint: connect first, then DhcpApply's prepare and apply.
                let connected = try await lab.send(client, mn, KVM.Path.flatDhcpConnect, "{\(Bodies.addons)}")
                #expect(connected.success, "\(connected.error ?? "")")
                let prepared = try await lab.send(client, mn, KVM.Path.flatDhcpBatchPrepare, Bodies.batchPrepare(lab))
                #expect(prepared.success, "\(prepared.error ?? "")")
                #expect(lab.namespaceExists)
                let inner = try await lab.host.check(["ip", "netns", "exec", lab.namespace, "ip", "-4", "-o", "addr", "show"])
                #expect(inner.contains("10.88.0.2/24") && inner.contains("169.254.169.254/32"), "\(inner)")
                let mangle = try await lab.host.check(["ip", "netns", "exec", lab.namespace, "iptables-save", "-t", "mangle"])
                #expect(mangle.contains("-A ZSTACK-DHCP-CHECKSUM -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill"), "\(mangle)")
                let rules = try await lab.ebtables()
                #expect(rules.contains("-A FORWARD -j ZSTACK-10.88.0.2"), "\(rules)")
                #expect(rules.contains("-A ZSTACK-10.88.0.2 -p IPv4 -i fdh0 --ip-proto udp --ip-sport 67:68 -j DROP"), "\(rules)")
                #expect(rules.contains("-A ZSTACK-10.88.0.2 -p ARP -o fdh0 --arp-ip-dst 10.88.0.2 -j DROP"), "\(rules)")

                let applied = try await lab.send(client, mn, KVM.Path.flatDhcpBatchApply, Bodies.batchApply(lab, vms: [0, 1], rebuild: true))
                #expect(applied.success, "\(applied.error ?? "")")
                #expect(lab.dnsmasqFile("hosts.dhcp") == """
                    fa:16:3e:88:00:0a,set:fa163e88000a,10.88.0.10,vm-one.fdh.test,infinite
                    fa:16:3e:88:00:0b,set:fa163e88000b,10.88.0.11,vm-two.fdh.test,infinite

                    """)
                #expect(lab.dnsmasqFile("hosts.option")?.contains(
                    "tag:fa163e88000a,option:classless-static-route,0.0.0.0/0,10.88.0.1,172.30.0.0/16,10.88.0.254") == true)
                let pid = try #require(lab.dnsmasqPid, "dnsmasq runs after batchApply")

                // A guest gets exactly what the MN asked for.
                let lease = try await lab.dhcp(0)
                #expect(lease.contains("fixed-address 10.88.0.10;"), "\(lease)")
                #expect(lease.contains("option routers 10.88.0.1;") && lease.contains("option domain-name-servers 10.88.0.2;"), "\(lease)")
                #expect(lease.contains("option interface-mtu 1450;") && lease.contains("option host-name \"vm-one\";"), "\(lease)")
                #expect(lease.contains("option domain-name \"fdh.test\";"), "\(lease)")
                let address = try await lab.guests[0].check(["ip", "-4", "-o", "addr", "show", "dev", "eth0"])
                #expect(address.contains("inet 10.88.0.10/24"), "\(address)")
                let route = try await lab.guests[0].check(["ip", "route", "show", "default"])
                #expect(route.contains("via 10.88.0.1"), "\(route)")
                #expect(try String(contentsOfFile: lab.resolvConf(0), encoding: .utf8).contains("nameserver 10.88.0.2"))
                #expect(try await lab.dig(0, "vm-two.fdh.test") == "10.88.0.11")
                _ = try await lab.dhcp(1)
                // The DHCP chain keeps this host's DHCP off the uplink: the rest of the L2 network gets no lease.
                let upstream = try await lab.dhcp(lab.upstream, name: "upstream", timeout: 3)
                #expect(!upstream.contains("fixed-address"), "\(upstream)")

                // Repeating the MN's commands changes nothing: same files, same dnsmasq, same rules.
                let before = (try await lab.ebtables(), lab.dnsmasqFile("hosts.option"))
                #expect(try await lab.send(client, mn, KVM.Path.flatDhcpBatchPrepare, Bodies.batchPrepare(lab)).success)
                #expect(try await lab.send(client, mn, KVM.Path.flatDhcpBatchApply, Bodies.batchApply(lab, vms: [0, 1], rebuild: true)).success)
                #expect(lab.dnsmasqPid == pid)
                #expect(try await lab.ebtables() == before.0 && lab.dnsmasqFile("hosts.option") == before.1)

                // Userdata: each guest gets its own, and nothing of the other's.
                let userdata = try await lab.send(client, mn, KVM.Path.flatUserdataBatchApply, Bodies.batchApplyUserdata(lab, vms: [0, 1]))
                #expect(userdata.success, "\(userdata.error ?? "")")
                #expect(try await lab.metadata(0, "/latest/user-data") == Bodies.userdata[0])
                #expect(try await lab.metadata(1, "/latest/user-data") == Bodies.userdata[1])
                #expect(try await lab.metadata(0, "/latest/meta-data/instance-id") == Bodies.vmUuids[0])
                #expect(try await lab.metadata(0, "/latest/meta-data/local-hostname") == "vm-one")
                #expect(try await lab.metadata(1, "/openstack/latest/meta_data.json").contains(Bodies.vmUuids[1]))
                for sneaky in ["/10.88.0.11/user-data?x=1", "/10.88.0.11/user-data", "/../10.88.0.11/user_data", "/10.88.0.11/"] {
                    let answer = try await lab.metadata(0, sneaky)
                    #expect(!answer.contains("two-secret"), "\(sneaky) answered \(answer)")
                }

                // VmInstanceStartFlow goes on to /vm/start: the VM's first NIC on this L3's bridge, with the MAC
                // dnsmasq hands 10.88.0.10 to.
                let vm = KVMAgentHarness.uniqueUUID()
                var start = StartVmFixtures.zstack5JSON(uuid: vm)
                    .replacingOccurrences(of: "\"br_eth0_100\"", with: "\"\(FlatNetworkLab.bridge)\"")
                    .replacingOccurrences(of: "fa:a3:5c:1e:7b:00", with: FlatNetworkLab.macs[0])
                for (original, name) in [("/zstack_ps/rootVolumes/acct-36c2/vol-8f1/8f1.qcow2", "root.qcow2"),
                                         ("/zstack_ps/imagecache/iso/centos.iso", "centos.iso"), ("/dev/vg0/data-1", "data-1.raw")] {
                    #expect(FileManager.default.createFile(atPath: "\(lab.root)/\(name)", contents: Data()))
                    start = start.replacingOccurrences(of: original, with: "\(lab.root)/\(name)")
                }
                let started = try await lab.send(client, mn, KVM.Path.startVm, start, as: KVM.StartVmResponse.self)
                #expect(started.success, "\(started.error ?? "")")
                let libvirt = try await LibvirtConnection.open(uri: "test:///default")
                let domain = try #require(try await libvirt.domain(named: vm))
                let xml = try XMLQuery(try await domain.xml())
                #expect(try xml.values("/domain/devices/interface/source/@bridge") == [FlatNetworkLab.bridge, "br_eth1"])
                #expect(try xml.values("/domain/devices/interface/mac/@address").first == FlatNetworkLab.macs[0])
                domain.close()
                await libvirt.close()
                #expect(try await lab.send(client, mn, KVM.Path.destroyVm, #"{"uuid":"\#(vm)"}"#).success)
            }

            // A restarted agent carries on from what the host and its files hold.
            try await lab.withAgent { client, mn in
                let arping = try await lab.send(client, mn, KVM.Path.flatArping, Bodies.arping(lab, "10.88.0.10"),
                                                as: KVM.ArpingResponse.self)
                #expect(arping.success, "\(arping.error ?? "")")
                #expect(arping.result?["10.88.0.10"] == [FlatNetworkLab.macs[0]])

                let released = try await lab.send(client, mn, KVM.Path.flatDhcpRelease, Bodies.release(lab, vm: 1))
                #expect(released.success, "\(released.error ?? "")")
                #expect(lab.dnsmasqFile("hosts.dhcp") == "fa:16:3e:88:00:0a,set:fa163e88000a,10.88.0.10,vm-one.fdh.test,infinite\n")
                #expect(lab.dnsmasqPid != nil)
                #expect(try await lab.dig(0, "vm-one.fdh.test") == "10.88.0.10")

                let gone = try await lab.send(client, mn, KVM.Path.flatUserdataRelease, Bodies.releaseUserdata(lab, vm: 1))
                #expect(gone.success, "\(gone.error ?? "")")
                #expect(!FileManager.default.fileExists(atPath: "\(lab.userdataDirectory)/\(lab.namespace)/html/10.88.0.11"))
                #expect(try await lab.metadata(1, "/latest/user-data") != Bodies.userdata[1])
                #expect(try await lab.metadata(0, "/latest/user-data") == Bodies.userdata[0])

                let dnsmasq = try #require(lab.dnsmasqPid)
                let lighttpd = try #require(lab.lighttpdPid)
                let deleted = try await lab.send(client, mn, KVM.Path.flatDhcpDeleteNamespace, Bodies.namespaceCmd(lab))
                #expect(deleted.success, "\(deleted.error ?? "")")
                #expect(!lab.namespaceExists)
                #expect(!Processes.isAlive(dnsmasq) && !Processes.isAlive(lighttpd), "dnsmasq and lighttpd end with their namespace")
                #expect(!FileManager.default.fileExists(atPath: "\(lab.dnsmasqDirectory)/\(lab.namespace)"))
                #expect(!(try await lab.ebtables()).contains { $0.contains("ZSTACK-10.88.0.2") })
                #expect(!(try await lab.host.check(["ip", "-o", "link", "show"])).contains("outer"))

                let cleaned = try await lab.send(client, mn, KVM.Path.flatUserdataCleanup, Bodies.cleanupUserdata(lab))
                #expect(cleaned.success, "\(cleaned.error ?? "")")
                #expect(!FileManager.default.fileExists(atPath: "\(lab.userdataDirectory)/\(lab.namespace)"))
                #expect(!(try await lab.ebtables()).contains { $0.contains("USERDATA-") })

                let again = try await lab.send(client, mn, KVM.Path.flatDhcpDeleteNamespace, Bodies.namespaceCmd(lab))
                #expect(again.success, "deleting a namespace that is gone is a success")
            }
        }
    }

    @Test func oneVmAtATimeGatewayMovesAndFlush() async throws {
        try await FlatNetworkLab.with(guests: 1) { lab in
            try await lab.withAgent { client, mn in
                #expect(try await lab.send(client, mn, KVM.Path.flatDhcpPrepare, Bodies.prepare(lab)).success)
                for vm in [0, 1] {
                    let applied = try await lab.send(client, mn, KVM.Path.flatDhcpApply, Bodies.apply(lab, vm: vm))
                    #expect(applied.success, "\(applied.error ?? "")")
                }
                #expect(lab.dnsmasqFile("hosts.dhcp")?.split(separator: "\n").count == 2, "an apply without rebuild adds")

                // The VM's default network moves away: its NIC loses the router option, then gets it back.
                #expect(try await lab.send(client, mn, KVM.Path.flatDhcpResetDefaultGateway, Bodies.resetGateway(lab, vm: 0, remove: true)).success)
                #expect(lab.dnsmasqFile("hosts.option")?.contains("tag:fa163e88000a,option:router,") == false)
                #expect(lab.dnsmasqFile("hosts.option")?.contains("tag:fa163e88000b,option:router,10.88.0.1") == true)
                // dnsmasq then names itself the router, as with mevoco.py's files.
                let withoutRouter = try await lab.dhcp(0)
                #expect(withoutRouter.contains("fixed-address 10.88.0.10;") && !withoutRouter.contains("option routers 10.88.0.1;"),
                        "\(withoutRouter)")
                #expect(try await lab.send(client, mn, KVM.Path.flatDhcpResetDefaultGateway, Bodies.resetGateway(lab, vm: 0, remove: false)).success)
                #expect(lab.dnsmasqFile("hosts.option")?.contains("tag:fa163e88000a,option:router,10.88.0.1") == true)

                let userdata = try await lab.send(client, mn, KVM.Path.flatUserdataApply, Bodies.applyUserdata(lab, vm: 0))
                #expect(userdata.success, "\(userdata.error ?? "")")
                #expect(try await lab.metadata(0, "/latest/user-data") == Bodies.userdata[0])

                // Flush: the namespace stays, without the DHCP server (and so without a route back to the VMs).
                let flushed = try await lab.send(client, mn, KVM.Path.flatDhcpFlush, Bodies.namespaceCmd(lab))
                #expect(flushed.success, "\(flushed.error ?? "")")
                #expect(lab.namespaceExists && lab.dnsmasqPid == nil)
                let inner = try await lab.host.check(["ip", "netns", "exec", lab.namespace, "ip", "-4", "-o", "addr", "show"])
                #expect(!inner.contains("10.88.0.2/24") && inner.contains("169.254.169.254/32"), "\(inner)")
                #expect(!(try await lab.ebtables()).contains { $0.contains("ZSTACK-10.88.0.2") })

                // The MN prepares and applies again: DHCP is back.
                #expect(try await lab.send(client, mn, KVM.Path.flatDhcpPrepare, Bodies.prepare(lab)).success)
                #expect(try await lab.send(client, mn, KVM.Path.flatDhcpApply, Bodies.apply(lab, vm: 0)).success)
                #expect(lab.dnsmasqPid != nil)
                #expect(try await lab.dhcp(0).contains("fixed-address 10.88.0.10;"))
                #expect(try await lab.metadata(0, "/latest/meta-data/instance-id") == Bodies.vmUuids[0])
            }
        }
    }
}
