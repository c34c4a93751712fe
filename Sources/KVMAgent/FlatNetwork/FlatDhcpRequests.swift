import AgentWire
import HostSystem

/// The flat DHCP commands, validated whole before anything is applied: every value that reaches `ip`,
/// ebtables, dnsmasq's files or a path, with the field it came from named when it is refused.
enum FlatDhcpRequests {
    /// One `PrepareDhcpCmd`.
    struct Prepare: Sendable {
        var namespace: String
        var bridge: String
        /// The DHCP server's address and prefix length; nil prepares the namespace only (mevoco.py skips
        /// the addresses and ebtables then).
        var server: (IPv4Address, Int)?

        init(_ command: KVM.PrepareDhcpCmd, field: String) throws(InvalidField) {
            namespace = try FlatNames.namespace(command.namespaceName, field + "namespaceName")
            bridge = try FlatNames.bridge(command.bridgeName, field + "bridgeName")
            switch command.ipVersion {
            case nil, 4?, 46?: break
            default:
                throw InvalidField(field: field + "ipVersion", value: command.ipVersion.map(String.init),
                                   expected: "4 or 46 (this agent serves DHCPv4; an IPv6-only L3 network is refused)")
            }
            if let address = command.dhcpServerIp {
                server = (try Validate.ipv4(address, field + "dhcpServerIp"),
                          try Validate.netmask(command.dhcpNetmask, field + "dhcpNetmask"))
            }
        }
    }

    /// The entries of one or more `ApplyDhcpCmd`s, by namespace in the order first named.
    struct Apply: Sendable {
        struct Namespace: Sendable {
            var name: String
            var entries: [FlatDhcpEntry]
            var rebuild: Bool
        }

        var namespaces: [Namespace] = []

        init(_ commands: [KVM.ApplyDhcpCmd], field: (Int) -> String) throws(InvalidField) {
            for (index, command) in commands.enumerated() {
                for (position, info) in (command.dhcp ?? []).enumerated() {
                    let path = field(index) + "dhcp[\(position)]"
                    let name = try FlatNames.namespace(info.namespaceName, path + ".namespaceName")
                    _ = try FlatNames.bridge(info.bridgeName, path + ".bridgeName")
                    let entry = try FlatDhcpEntry(info, field: path)
                    let rebuild = command.rebuild ?? false
                    if let existing = namespaces.firstIndex(where: { $0.name == name }) {
                        namespaces[existing].entries.append(entry)
                        namespaces[existing].rebuild = namespaces[existing].rebuild || rebuild
                    } else {
                        namespaces.append(Namespace(name: name, entries: [entry], rebuild: rebuild))
                    }
                }
            }
        }
    }

    /// A `ReleaseDhcpCmd`: NICs by MAC and address, by namespace.
    struct Release: Sendable {
        var nics: [(namespace: String, mac: String, ip: String?)] = []

        init(_ command: KVM.ReleaseDhcpCmd) throws(InvalidField) {
            for (index, info) in (command.dhcp ?? []).enumerated() {
                let path = "dhcp[\(index)]"
                nics.append((try FlatNames.namespace(info.namespaceName, path + ".namespaceName"),
                             try Validate.mac(info.mac, path + ".mac"),
                             try info.ip.map { value throws(InvalidField) in try Validate.ipv4(value, path + ".ip").description }))
            }
        }
    }

    /// A `ResetDefaultGatewayCmd`: each half applies when all three of its fields are there (mevoco.py).
    struct ResetGateway: Sendable {
        var remove: (namespace: String, mac: String, gateway: String)?
        var add: (namespace: String, mac: String, gateway: String)?

        init(_ command: KVM.ResetDefaultGatewayCmd) throws(InvalidField) {
            if let namespace = command.namespaceNameOfGatewayToRemove, let mac = command.macOfGatewayToRemove,
               let gateway = command.gatewayToRemove {
                remove = (try FlatNames.namespace(namespace, "namespaceNameOfGatewayToRemove"),
                          try Validate.mac(mac, "macOfGatewayToRemove"),
                          try Validate.ipv4(gateway, "gatewayToRemove").description)
            }
            if let namespace = command.namespaceNameOfGatewayToAdd, let mac = command.macOfGatewayToAdd,
               let gateway = command.gatewayToAdd {
                add = (try FlatNames.namespace(namespace, "namespaceNameOfGatewayToAdd"),
                       try Validate.mac(mac, "macOfGatewayToAdd"),
                       try Validate.ipv4(gateway, "gatewayToAdd").description)
            }
        }
    }

    /// `DeleteNamespaceCmd`, `FlushDhcpNamespaceCmd`.
    struct Namespace: Sendable {
        var namespace: String
        var bridge: String

        init(_ command: KVM.DhcpNamespaceCmd) throws(InvalidField) {
            namespace = try FlatNames.namespace(command.namespaceName, "namespaceName")
            bridge = try FlatNames.bridge(command.bridgeName, "bridgeName")
        }
    }

    /// An `ArpingCmd`: mevoco.py probes the first target only.
    struct Arping: Sendable {
        var namespace: String
        var bridge: String
        var target: IPv4Address

        init(_ command: KVM.ArpingCmd) throws(InvalidField) {
            namespace = try FlatNames.namespace(command.namespaceName, "namespaceName")
            bridge = try FlatNames.bridge(command.bridgeName, "bridgeName")
            target = try Validate.ipv4(command.targetIps?.first, "targetIps[0]")
        }
    }
}
