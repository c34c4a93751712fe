import HostSystem

/// The names the flat network derives from the MN's: the namespace of an L3 network, its veth pair, the
/// bridge's uplink, and the ebtables chains, each as mevoco.py makes it. Every name is checked here before
/// it reaches `ip`, ebtables, a daemon's configuration or a path.
enum FlatNames {
    /// The userdata service's address inside every namespace (`169.254.169.254/32` on the inner end).
    static let metadataAddress = IPv4Address(169 << 24 | 254 << 16 | 169 << 8 | 254)

    /// A namespace name as the MN makes it (`FlatDhcpBackend.makeNamespaceName`: `<bridge>_<l3 uuid>`). It
    /// names a file under /run/netns and a directory under the agent's roots, so only letters, digits, '.',
    /// '_' and '-' are taken, never a leading '.' or '-' (no `..`, no option), at most 128 characters.
    static func namespace(_ value: String?, _ field: String) throws(InvalidField) -> String {
        let expected = "a namespace name of letters, digits, '.', '_' and '-' (the MN's <bridge>_<l3NetworkUuid>)"
        guard let value, (1...128).contains(value.utf8.count), let first = value.first, first != "." && first != "-",
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { throw InvalidField(field: field, value: value, expected: expected) }
        return value
    }

    static func bridge(_ value: String?, _ field: String) throws(InvalidField) -> String {
        guard let value else { throw InvalidField(field: field, value: nil, expected: "a bridge name") }
        if let problem = NetworkNames.interfaceNameProblem(value) {
            throw InvalidField(field: field, value: value, expected: "a Linux interface name (it \(problem))")
        }
        return value
    }

    /// The L3 network uuid, which ends the userdata chain's name.
    static func l3Uuid(_ value: String?, _ field: String) throws(InvalidField) -> String {
        try Validate.identifier(value, field)
    }

    /// mevoco.py's `outer<id>` (on the bridge) and `inner<id>` (in the namespace), `id` being the
    /// namespace's nsid in the host's namespace.
    static func outer(_ id: Int) -> String { "outer\(id)" }
    static func inner(_ id: Int) -> String { "inner\(id)" }

    /// The bridge's uplink as mevoco.py's `get_phy_dev_from_bridge_name` derives it without an alias:
    /// `br_eth0` → `eth0`, `br_eth0_100` → `eth0.100`, `br_vx_7863` → `vxlan7863`. The DHCP and userdata
    /// chains keep DHCP and the metadata address from leaving the host through it.
    static func uplink(ofBridge bridge: String) -> String {
        var device = bridge.hasPrefix("br_") ? String(bridge.dropFirst(3)) : bridge
        if device.hasPrefix("vx") {
            device = "vxlan" + device.dropFirst(2).split(separator: "_").joined()
        } else {
            device = device.split(separator: "_", omittingEmptySubsequences: false).joined(separator: ".")
        }
        return device
    }

    /// mevoco.py's `getDhcpEbtableChainName`: `ZSTACK-<dhcp server ip>`.
    static func dhcpChain(_ server: IPv4Address) -> String { "ZSTACK-\(server)" }

    /// mevoco.py's userdata chain, `USERDATA-<bridge, last 12 characters>-<l3 uuid, first 8>`, within
    /// ebtables' 31 characters.
    static func userdataChain(bridge: String, l3Uuid: String) -> String {
        "USERDATA-\(bridge.suffix(12))-\(l3Uuid.prefix(8))"
    }
}
