import AgentWire
import Foundation
import TestSupport
import Testing

/// Hostile flat network bodies are refused in band with the field named, and nothing is applied: no
/// namespace, no file, no ebtables chain, not even for the valid entries of a refused batch.
@Suite(.serialized) struct FlatNetworkHostileTests {
    typealias Bodies = FlatNetworkBodies

    @Test func hostileValuesAreRefusedWithTheFieldNamedAndNothingApplied() async throws {
        try await FlatNetworkLab.with(guests: 0) { lab in
            let valid = Bodies.dhcpInfo(lab, 0)
            func info(_ from: String, _ to: String) -> String { valid.replacingOccurrences(of: from, with: to) }
            let prepare = #"{"bridgeName":"br_fdh0","dhcpServerIp":"10.88.0.2","dhcpNetmask":"255.255.255.0","namespaceName":"\#(lab.namespace)","ipVersion":4}"#
            func apply(_ entry: String) -> String { #"{"dhcpInfos":[{"dhcp":[\#(entry)],"rebuild":true,"l3NetworkUuid":"\#(lab.l3)"}]}"# }
            let userdata = Bodies.userdataTO(lab, 0)
            func batchUserdata(_ from: String, _ to: String) -> String {
                #"{"userdata":[\#(userdata.replacingOccurrences(of: from, with: to))],"rebuild":true}"#
            }
            let cases: [(path: String, body: String, field: String)] = [
                (KVM.Path.flatDhcpBatchPrepare, #"{"dhcpInfos":[\#(prepare),\#(prepare.replacingOccurrences(of: "10.88.0.2", with: "10.88.0.300"))]}"#,
                 "dhcpInfos[1].dhcpServerIp"),
                (KVM.Path.flatDhcpPrepare, prepare.replacingOccurrences(of: lab.namespace, with: "../../etc/passwd"), "namespaceName"),
                (KVM.Path.flatDhcpPrepare, prepare.replacingOccurrences(of: lab.namespace, with: lab.namespace + "\\nx"), "namespaceName"),
                (KVM.Path.flatDhcpPrepare, prepare.replacingOccurrences(of: "\"br_fdh0\"", with: "\"br0;reboot\""), "bridgeName"),
                (KVM.Path.flatDhcpPrepare, prepare.replacingOccurrences(of: "\"ipVersion\":4", with: "\"ipVersion\":6"), "ipVersion"),
                (KVM.Path.flatDhcpPrepare, prepare.replacingOccurrences(of: "255.255.255.0", with: "255.0.255.0"), "dhcpNetmask"),
                (KVM.Path.flatDhcpBatchApply, apply(info("vm-one.fdh.test", "vm-one\\ndhcp-script=/bin/sh")), "dhcpInfos[0].dhcp[0].hostname"),
                (KVM.Path.flatDhcpBatchApply, apply(info("\"mtu\":1450", "\"mtu\":99999999999")), "dhcpInfos[0].dhcp[0].mtu"),
                // Numbers beyond Int64 are refused by the runtime's JSON reader before any field is read.
                (KVM.Path.flatDhcpBatchApply, apply(info("\"mtu\":1450", "\"mtu\":1e30")), "JSON"),
                (KVM.Path.flatDhcpBatchApply, apply(info("\"mtu\":1450", "\"mtu\":123456789012345678901234567890")), "JSON"),
                (KVM.Path.flatDhcpBatchApply, apply(info("[\"10.88.0.2\"]", "[\"10.88.0.2\\nserver=/x/6.6.6.6\"]")), "dhcpInfos[0].dhcp[0].dns[0]"),
                (KVM.Path.flatDhcpBatchApply, apply(info("172.30.0.0/16", "172.30.0.0/99")), "dhcpInfos[0].dhcp[0].hostRoutes[0].prefix"),
                (KVM.Path.flatDhcpBatchApply, apply(info("fa:16:3e:88:00:0a", "fa:16:3e:88:00:0a,set:x")), "dhcpInfos[0].dhcp[0].mac"),
                (KVM.Path.flatDhcpBatchApply, apply(info("\"10.88.0.10\"", "\"10.88.0.10,ignore\"")), "dhcpInfos[0].dhcp[0].ip"),
                (KVM.Path.flatDhcpBatchApply, apply(info(lab.namespace, "../" + lab.namespace)), "dhcpInfos[0].dhcp[0].namespaceName"),
                (KVM.Path.flatDhcpRelease, #"{"dhcp":[\#(info("fa:16:3e:88:00:0a", "../../x"))]}"#, "dhcp[0].mac"),
                (KVM.Path.flatUserdataBatchApply, batchUserdata("\"10.88.0.10\"", "\"10.88.0.10/../../etc\""), "userdata[0].vmIp"),
                (KVM.Path.flatUserdataBatchApply, batchUserdata(lab.namespace, "x/../../../etc"), "userdata[0].namespaceName"),
                (KVM.Path.flatUserdataBatchApply, batchUserdata("\"port\":1180", "\"port\":70000"), "userdata[0].port"),
                (KVM.Path.flatUserdataBatchApply, batchUserdata(Bodies.vmUuids[0], "../../../etc/shadow"), "userdata[0].metadata.vmUuid"),
                (KVM.Path.flatUserdataBatchApply, batchUserdata("\"vmHostname\":\"vm-one\"", "\"vmHostname\":\"a\\nb\""), "userdata[0].metadata.vmHostname"),
                (KVM.Path.flatUserdataBatchApply, batchUserdata("\"agentConfig\":{}", "\"agentConfig\":{\"pvpanic\":\"on\\\"\\n\"}"),
                 "userdata[0].agentConfig.pvpanic"),
                (KVM.Path.flatUserdataRelease, #"{"vmIp":"../../../etc","namespaceName":"\#(lab.namespace)"}"#, "vmIp"),
                (KVM.Path.flatUserdataCleanup, #"{"bridgeName":"br_fdh0","l3NetworkUuid":"../..","namespaceName":"\#(lab.namespace)"}"#, "l3NetworkUuid"),
                (KVM.Path.flatArping, #"{"bridgeName":"br_fdh0","namespaceName":"\#(lab.namespace)","targetIps":["10.88.0.10; reboot"]}"#, "targetIps[0]"),
                (KVM.Path.flatDhcpResetDefaultGateway, #"{"namespaceNameOfGatewayToAdd":"\#(lab.namespace)","macOfGatewayToAdd":"fa:16:3e:88:00:0a","gatewayToAdd":"10.88.0.1\nx"}"#,
                 "gatewayToAdd"),
            ]
            let before = try await lab.ebtables()
            try await lab.withAgent { client, mn in
                for (path, body, field) in cases {
                    let reply = try await lab.send(client, mn, path, body)
                    #expect(!reply.success, "\(path) accepted \(body)")
                    #expect(reply.error?.contains(field) == true, "\(path): \(reply.error ?? "") does not name \(field)")
                }
            }
            #expect(!lab.namespaceExists)
            let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasSuffix(lab.l3) }
            #expect(leftovers.isEmpty, "\(leftovers)")
            for directory in [lab.dnsmasqDirectory, lab.userdataDirectory] {
                #expect(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).isEmpty, "\(directory) was written")
            }
            #expect(try await lab.ebtables() == before)
        }
    }
}
