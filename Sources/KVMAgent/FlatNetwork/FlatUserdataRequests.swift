import AgentWire
import HostSystem

/// The userdata commands, validated whole before anything is applied.
enum FlatUserdataRequests {
    /// One `UserdataTO`: a VM's data and the namespace that serves it.
    struct VM: Sendable {
        var namespace: String
        var bridge: String
        var l3Uuid: String
        var port: Int
        var dhcpServer: IPv4Address?
        var data: FlatUserdataVM

        init(_ to: KVM.UserdataTO?, field: String) throws(InvalidField) {
            guard let to else { throw InvalidField(field: field, value: nil, expected: "a UserdataTO") }
            namespace = try FlatNames.namespace(to.namespaceName, field + ".namespaceName")
            bridge = try FlatNames.bridge(to.bridgeName, field + ".bridgeName")
            l3Uuid = try FlatNames.l3Uuid(to.l3NetworkUuid, field + ".l3NetworkUuid")
            port = try Validate.port(to.port, field + ".port")
            dhcpServer = try to.dhcpServerIp.map { value throws(InvalidField) in try Validate.ipv4(value, field + ".dhcpServerIp") }
            let ip = try Validate.ipv4(to.vmIp, field + ".vmIp")
            let prefix = try Validate.netmask(to.netmask, field + ".netmask")
            let uuid = try Validate.identifier(to.metadata?.vmUuid, field + ".metadata.vmUuid")
            let hostname = try to.metadata?.vmHostname.map { value throws(InvalidField) in
                try Validate.dnsName(value, field + ".metadata.vmHostname")
            }
            var pvpanic: String?
            if let config = to.agentConfig, !config.isEmpty {
                pvpanic = try Validate.identifier(config["pvpanic"] ?? "disable", field + ".agentConfig.pvpanic")
            }
            data = FlatUserdataVM(ip: ip.description, network: "\(ip.network(prefixLength: prefix))/\(prefix)", vmUuid: uuid, hostname: hostname,
                                  userdata: to.userdataList ?? [], pvpanic: pvpanic)
        }
    }

    /// An `ApplyUserdataCmd` or `BatchApplyUserdataCmd`, by namespace in the order first named. One
    /// namespace's VMs must agree on its bridge, DHCP server and port, as mevoco.py requires.
    struct Apply: Sendable {
        var namespaces: [[VM]] = []
        var rebuild: Bool

        init(_ tos: [KVM.UserdataTO?], field: (Int) -> String, rebuild: Bool) throws(InvalidField) {
            self.rebuild = rebuild
            for (index, to) in tos.enumerated() {
                let vm = try VM(to, field: field(index))
                guard let existing = namespaces.firstIndex(where: { $0[0].namespace == vm.namespace }) else {
                    namespaces.append([vm])
                    continue
                }
                let first = namespaces[existing][0]
                for (name, mine, theirs) in [("bridgeName", vm.bridge, first.bridge), ("port", "\(vm.port)", "\(first.port)"),
                                             ("dhcpServerIp", "\(vm.dhcpServer.map(\.description) ?? "")", "\(first.dhcpServer.map(\.description) ?? "")"),
                                             ("l3NetworkUuid", vm.l3Uuid, first.l3Uuid)] where mine != theirs {
                    throw InvalidField(field: field(index) + "." + name, value: mine,
                                       expected: "\(theirs), as the other VMs of namespace \(vm.namespace) have")
                }
                namespaces[existing].append(vm)
            }
        }
    }

    /// `ReleaseUserdataCmd`.
    struct Release: Sendable {
        var namespace: String
        var vm: String

        init(_ command: KVM.ReleaseUserdataCmd) throws(InvalidField) {
            namespace = try FlatNames.namespace(command.namespaceName, "namespaceName")
            vm = try Validate.ipv4(command.vmIp, "vmIp").description
        }
    }

    /// `CleanupUserdataCmd`.
    struct Cleanup: Sendable {
        var namespace: String
        var bridge: String
        var l3Uuid: String

        init(_ command: KVM.CleanupUserdataCmd) throws(InvalidField) {
            namespace = try FlatNames.namespace(command.namespaceName, "namespaceName")
            bridge = try FlatNames.bridge(command.bridgeName, "bridgeName")
            l3Uuid = try FlatNames.l3Uuid(command.l3NetworkUuid, "l3NetworkUuid")
        }
    }
}
