import AgentClient
import AgentServer
import AgentWire
import KVMAgent
import Logging
import TestSupport
import Testing

/// The bridge routes through real HTTP, acting on a network namespace, checked with `ip` in that namespace.
@Suite struct NetworkRoutesHTTPTests {
    private func bridgeCmd(_ bridge: String?, _ nic: String?, vlan: Int? = nil, mtu: Int? = nil) -> KVM.CreateBridgeCmd {
        var command = KVM.CreateBridgeCmd()
        command.bridgeName = bridge
        command.physicalInterfaceName = nic
        command.vlan = vlan
        command.mtu = mtu
        command.l2NetworkUuid = "4a1f0c3e9b2d4e8f8c7a6b5d4e3f2a1b"
        return command
    }

    private func checkCmd(_ bridge: String, _ nic: String, vlan: Int? = nil) -> KVM.CheckBridgeCmd {
        var command = KVM.CheckBridgeCmd()
        command.bridgeName = bridge
        command.physicalInterfaceName = nic
        command.vlan = vlan
        return command
    }

    private func deleteCmd(_ bridge: String, _ nic: String, vlan: Int? = nil) -> KVM.DeleteBridgeCmd {
        var command = KVM.DeleteBridgeCmd()
        command.bridgeName = bridge
        command.physicalInterfaceName = nic
        command.vlan = vlan
        return command
    }

    /// An agent whose `ip` commands run in a fresh namespace holding NIC `eth0`, with a management node.
    private func withHost(
        _ body: @Sendable (NetworkNamespace, AgentClient, ManagementNodeEndpoint) async throws -> Void
    ) async throws {
        try await NetworkNamespace.with(prefix: "zskvmnet-") { namespace in
            try await namespace.addNIC("eth0")
            let configuration = KVMAgentConfiguration(server: .test(), libvirtURI: "test:///default", networkNamespace: namespace.name)
            try await ManagementNodeEndpoint.run { mn in
                try await RunningAgent.with(try await buildKVMAgent(configuration, logger: Logger(label: "test.kvm.network"))) { agent in
                    try await body(namespace, agent.client, mn)
                }
            }
        }
    }

    @Test func noVlanBridgeIsCreatedIdempotentlyCheckedAndDeleted() async throws {
        try await withHost { namespace, client, mn in
            let created = try await client.async("/network/l2novlan/createbridge", bridgeCmd("br_eth0", "eth0", mtu: 1400),
                                                 as: EmptyReply.self, via: mn)
            #expect(created.success, "\(created.error ?? "")")
            let after = try await LinkSnapshot.read(namespace)
            let bridge = try #require(after["br_eth0"])
            #expect(bridge.linkinfo?.info_kind == "bridge" && bridge.flags.contains("UP") && bridge.mtu == 1400)
            #expect(bridge.linkinfo?.info_data?.stp_state == 0 && bridge.linkinfo?.info_data?.forward_delay == 0)
            #expect(after["eth0"]?.master == "br_eth0" && after["eth0"]?.mtu == 1400)
            #expect(after["eth0"]?.flags.contains("UP") == true)

            let again = try await client.async("/network/l2novlan/createbridge", bridgeCmd("br_eth0", "eth0", mtu: 1400),
                                               as: EmptyReply.self, via: mn)
            #expect(again.success)
            #expect(try await LinkSnapshot.read(namespace) == after, "a second create must change nothing")

            let checked = try await client.async("/network/l2novlan/checkbridge", checkCmd("br_eth0", "eth0"),
                                                 as: EmptyReply.self, via: mn)
            #expect(checked.success)

            for _ in 0..<2 {
                let deleted = try await client.async("/network/l2novlan/deletebridge", deleteCmd("br_eth0", "eth0"),
                                                     as: EmptyReply.self, via: mn)
                #expect(deleted.success, "deleting a bridge that is gone is a success")
                let now = try await LinkSnapshot.read(namespace)
                #expect(now["br_eth0"] == nil && now["eth0"] != nil && now["eth0"]?.master == nil)
            }
            let missing = try await client.async("/network/l2novlan/checkbridge", checkCmd("br_eth0", "eth0"),
                                                 as: EmptyReply.self, via: mn)
            #expect(!missing.success && missing.error == "cannot find bridge br_eth0 with physical interface eth0")
        }
    }

    @Test func badNamesAreRefusedBeforeAnythingRuns() async throws {
        try await withHost { namespace, client, mn in
            let before = try await LinkSnapshot.read(namespace)
            let cases: [(String, KVM.CreateBridgeCmd, String)] = [
                ("/network/l2novlan/createbridge", bridgeCmd("br0; rm -rf /", "eth0"), "contains \";\""),
                ("/network/l2novlan/createbridge", bridgeCmd("br/0", "eth0"), "contains \"/\""),
                ("/network/l2novlan/createbridge", bridgeCmd("br_0123456789abc", "eth0"), "longer than 15"),
                ("/network/l2novlan/createbridge", bridgeCmd("..", "eth0"), "not a valid interface name"),
                ("/network/l2novlan/createbridge", bridgeCmd("-help", "eth0"), "must not start with '-'"),
                ("/network/l2novlan/createbridge", bridgeCmd("br0", nil), "physicalInterfaceName is missing"),
                ("/network/l2novlan/createbridge", bridgeCmd("br0", "eth0", mtu: 10), "mtu 10 is outside"),
                ("/network/l2vlan/createbridge", bridgeCmd("br0", "eth0", vlan: 0), "vlan 0 is outside 1-4094"),
                ("/network/l2vlan/createbridge", bridgeCmd("br0", "eth0", vlan: 4095), "vlan 4095 is outside"),
                ("/network/l2vlan/createbridge", bridgeCmd("br0", "eth0"), "vlan is missing"),
                ("/network/l2vlan/createbridge", bridgeCmd("br0", "eth0abcdefghij", vlan: 100), "VLAN interface name"),
                ("/network/l2novlan/createbridge", bridgeCmd("br0", "eth7"), "eth7 does not exist"),
            ]
            for (path, command, expected) in cases {
                let reply = try await client.async(path, command, as: EmptyReply.self, via: mn)
                #expect(!reply.success)
                #expect(reply.error?.contains(expected) == true, "\(command.bridgeName ?? "-"): \(reply.error ?? "no error")")
            }
            #expect(try await LinkSnapshot.read(namespace) == before, "refused commands must change nothing")
        }
    }

    @Test func addInterfaceMovesANicIntoTheBridge() async throws {
        try await withHost { namespace, client, mn in
            try await namespace.addNIC("eth1")
            let created = try await client.async("/network/l2novlan/createbridge", bridgeCmd("br_eth0", "eth0"),
                                                 as: EmptyReply.self, via: mn)
            #expect(created.success)
            var addIf = KVM.AddInterfaceToBridgeCmd()
            addIf.bridgeName = "br_eth0"
            addIf.physicalInterfaceName = "eth1"
            for _ in 0..<2 {
                let added = try await client.async("/network/bridge/addif", addIf, as: EmptyReply.self, via: mn)
                #expect(added.success, "\(added.error ?? "")")
                #expect(try await LinkSnapshot.read(namespace)["eth1"]?.master == "br_eth0")
            }
            addIf.bridgeName = "br_none"
            let refused = try await client.async("/network/bridge/addif", addIf, as: EmptyReply.self, via: mn)
            #expect(!refused.success && refused.error == "bridge br_none does not exist")
        }
    }

    @Test func aNicAlreadyInAnotherBridgeIsReported() async throws {
        try await withHost { namespace, client, mn in
            try await namespace.ip(["link", "add", "br_other", "type", "bridge"])
            try await namespace.ip(["link", "set", "eth0", "master", "br_other"])
            let reply = try await client.async("/network/l2novlan/createbridge", bridgeCmd("br_eth0", "eth0"),
                                               as: EmptyReply.self, via: mn)
            #expect(!reply.success && reply.error?.contains("already a port of bridge br_other") == true)
            #expect(try await LinkSnapshot.read(namespace)["eth0"]?.master == "br_other")
        }
    }

    @Test func vlanBridgeGetsASubInterfaceOrAClearErrorWithoutKernelSupport() async throws {
        try await withHost { namespace, client, mn in
            let command = bridgeCmd("br_eth0_100", "eth0", vlan: 100, mtu: 1450)
            guard await namespace.supportsVlan(on: "eth0") else {
                // This kernel cannot make VLAN interfaces: the reply must say so, and nothing may be left half-made.
                let reply = try await client.async("/network/l2vlan/createbridge", command, as: EmptyReply.self, via: mn)
                #expect(!reply.success && reply.error?.contains("no 802.1Q VLAN support") == true, "\(reply.error ?? "")")
                let now = try await LinkSnapshot.read(namespace)
                #expect(now["br_eth0_100"] == nil && now["eth0.100"] == nil)
                return
            }
            for _ in 0..<2 {
                let reply = try await client.async("/network/l2vlan/createbridge", command, as: EmptyReply.self, via: mn)
                #expect(reply.success, "\(reply.error ?? "")")
                let now = try await LinkSnapshot.read(namespace)
                let vlan = try #require(now["eth0.100"])
                #expect(vlan.linkinfo?.info_kind == "vlan" && vlan.linkinfo?.info_data?.id == 100 && vlan.link == "eth0")
                #expect(vlan.master == "br_eth0_100" && vlan.mtu == 1450)
                #expect(now["br_eth0_100"]?.linkinfo?.info_kind == "bridge" && now["eth0"]?.master == nil)
            }
            let checked = try await client.async("/network/l2vlan/checkbridge", checkCmd("br_eth0_100", "eth0", vlan: 100),
                                                 as: EmptyReply.self, via: mn)
            #expect(checked.success)
            let deleted = try await client.async("/network/l2vlan/deletebridge", deleteCmd("br_eth0_100", "eth0", vlan: 100),
                                                 as: EmptyReply.self, via: mn)
            #expect(deleted.success)
            let now = try await LinkSnapshot.read(namespace)
            #expect(now["br_eth0_100"] == nil && now["eth0.100"] == nil && now["eth0"] != nil)
        }
    }
}
