import Foundation

/// Flat network command bodies as the MN's Gson writes them (fields in declaration order, nulls left out,
/// `kvmHostAddons` last from `AgentCommand`): `DhcpApply` sends `BatchPrepareDhcpCmd` then
/// `BatchApplyDhcpCmd` (each `ApplyDhcpCmd` with its own `rebuild`) before a VM starts or when the host
/// connects; `FlatUserdataBackend` sends `BatchApplyUserdataCmd` with `rebuild` true on connect and
/// `ApplyUserdataCmd` when one VM starts.
enum FlatNetworkBodies {
    static let addons = #""kvmHostAddons":{"qemuVersion":"6.2.0"}"#

    static func batchPrepare(_ lab: FlatNetworkLab) -> String {
        #"{"dhcpInfos":[{"bridgeName":"br_fdh0","dhcpServerIp":"10.88.0.2","dhcpNetmask":"255.255.255.0","namespaceName":"\#(lab.namespace)","ipVersion":4}],\#(addons)}"#
    }

    /// `DhcpInfo` of VM `index` (0: vm-one, 1: vm-two) as `FlatDhcpBackend.toDhcpInfo` fills it: the
    /// hostname carries the DNS domain, the DNS server is the flat DHCP server (`FlatDnsBackend`).
    static func dhcpInfo(_ lab: FlatNetworkLab, _ index: Int) -> String {
        let names = ["vm-one", "vm-two"]
        return #"{"ipVersion":4,"enableRa":false,"ip":"\#(FlatNetworkLab.ips[index])","mac":"\#(FlatNetworkLab.macs[index])","netmask":"255.255.255.0","gateway":"10.88.0.1","hostname":"\#(names[index]).fdh.test","isDefaultL3Network":true,"dnsDomain":"fdh.test","dns":["10.88.0.2"],"bridgeName":"br_fdh0","namespaceName":"\#(lab.namespace)","l3NetworkUuid":"\#(lab.l3)","mtu":1450,"vmMultiGateway":false,"hostRoutes":[{"prefix":"172.30.0.0/16","nexthop":"10.88.0.254"}],"nicType":"VNIC"}"#
    }

    static func batchApply(_ lab: FlatNetworkLab, vms: [Int], rebuild: Bool) -> String {
        #"{"dhcpInfos":[{"dhcp":[\#(vms.map { dhcpInfo(lab, $0) }.joined(separator: ","))],"rebuild":\#(rebuild),"l3NetworkUuid":"\#(lab.l3)"}],\#(addons)}"#
    }

    static func prepare(_ lab: FlatNetworkLab) -> String {
        #"{"bridgeName":"br_fdh0","dhcpServerIp":"10.88.0.2","dhcpNetmask":"255.255.255.0","namespaceName":"\#(lab.namespace)","ipVersion":4,\#(addons)}"#
    }

    /// `ApplyDhcpCmd` for one VM, as a VM start sends it (`rebuild` false).
    static func apply(_ lab: FlatNetworkLab, vm index: Int) -> String {
        #"{"dhcp":[\#(dhcpInfo(lab, index))],"rebuild":false,"l3NetworkUuid":"\#(lab.l3)",\#(addons)}"#
    }

    /// `ResetDefaultGatewayCmd` moving VM `index`'s router option away (`remove`) or back.
    static func resetGateway(_ lab: FlatNetworkLab, vm index: Int, remove: Bool) -> String {
        let mac = FlatNetworkLab.macs[index]
        return remove
            ? #"{"bridgeNameOfGatewayToRemove":"br_fdh0","namespaceNameOfGatewayToRemove":"\#(lab.namespace)","gatewayToRemove":"10.88.0.1","macOfGatewayToRemove":"\#(mac)",\#(addons)}"#
            : #"{"gatewayToAdd":"10.88.0.1","macOfGatewayToAdd":"\#(mac)","bridgeNameOfGatewayToAdd":"br_fdh0","namespaceNameOfGatewayToAdd":"\#(lab.namespace)",\#(addons)}"#
    }

    static func release(_ lab: FlatNetworkLab, vm index: Int) -> String {
        #"{"dhcp":[\#(dhcpInfo(lab, index))],\#(addons)}"#
    }

    static let vmUuids = ["9a1b2c3d4e5f40718293a4b5c6d7e8f9", "0b1c2d3e4f5a46b7c8d9e0f1a2b3c4d5"]
    static let userdata = ["#cloud-config\nhostname: vm-one\n", "#cloud-config\nhostname: vm-two\npassword: two-secret\n"]

    /// `UserdataTO` of VM `index`.
    static func userdataTO(_ lab: FlatNetworkLab, _ index: Int) -> String {
        let names = ["vm-one", "vm-two"]
        let escaped = userdata[index].replacingOccurrences(of: "\n", with: "\\n")
        return #"{"metadata":{"vmUuid":"\#(vmUuids[index])","vmHostname":"\#(names[index])"},"userdataList":["\#(escaped)"],"vmIp":"\#(FlatNetworkLab.ips[index])","netmask":"255.255.255.0","dhcpServerIp":"10.88.0.2","bridgeName":"br_fdh0","namespaceName":"\#(lab.namespace)","l3NetworkUuid":"\#(lab.l3)","agentConfig":{},"port":1180}"#
    }

    static func batchApplyUserdata(_ lab: FlatNetworkLab, vms: [Int]) -> String {
        #"{"userdata":[\#(vms.map { userdataTO(lab, $0) }.joined(separator: ","))],"rebuild":true,\#(addons)}"#
    }

    static func applyUserdata(_ lab: FlatNetworkLab, vm index: Int) -> String {
        #"{"hostUuid":"\#(KVMAgentHarness.hostUuid)","userdata":\#(userdataTO(lab, index)),\#(addons)}"#
    }

    static func releaseUserdata(_ lab: FlatNetworkLab, vm index: Int) -> String {
        #"{"hostUuid":"\#(KVMAgentHarness.hostUuid)","vmIp":"\#(FlatNetworkLab.ips[index])","bridgeName":"br_fdh0","namespaceName":"\#(lab.namespace)","kvmHostAddons":{}}"#
    }

    static func namespaceCmd(_ lab: FlatNetworkLab) -> String {
        #"{"bridgeName":"br_fdh0","namespaceName":"\#(lab.namespace)",\#(addons)}"#
    }

    static func cleanupUserdata(_ lab: FlatNetworkLab) -> String {
        #"{"bridgeName":"br_fdh0","l3NetworkUuid":"\#(lab.l3)","namespaceName":"\#(lab.namespace)",\#(addons)}"#
    }

    static func arping(_ lab: FlatNetworkLab, _ ip: String) -> String {
        #"{"bridgeName":"br_fdh0","namespaceName":"\#(lab.namespace)","targetIps":["\#(ip)"],\#(addons)}"#
    }
}
