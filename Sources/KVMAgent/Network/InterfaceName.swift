import HostSystem

/// Linux network-interface names and VLAN ids as the kernel accepts them (`dev_valid_name`), checked before
/// any `ip` command runs so a bad name gets a clear reply instead of a half-made bridge.
enum InterfaceName {
    static let vlanRange = 1...4094

    /// Returns `name` if the kernel would accept it as an interface name.
    /// - Parameter field: the command field it came from, named in the error.
    static func validated(_ name: String?, field: String) throws(KVMAgentError) -> String {
        guard let name, !name.isEmpty else { throw KVMAgentError(.network, "\(field) is missing") }
        if let problem = NetworkNames.interfaceNameProblem(name) { throw KVMAgentError(.network, "\(field) \"\(name)\" \(problem)") }
        return name
    }

    /// Returns `vlan` if it is a usable 802.1Q id (0 and 4095 are reserved).
    static func validatedVlan(_ vlan: Int?) throws(KVMAgentError) -> Int {
        guard let vlan else { throw KVMAgentError(.network, "vlan is missing") }
        guard vlanRange.contains(vlan) else {
            throw KVMAgentError(.network, "vlan \(vlan) is outside \(vlanRange.lowerBound)-\(vlanRange.upperBound)")
        }
        return vlan
    }

    /// ZStack's VLAN sub-interface name, `<nic>.<vlan>`, which must itself be a valid name.
    static func vlanInterface(of nic: String, vlan: Int) throws(KVMAgentError) -> String {
        try validated("\(nic).\(vlan)", field: "VLAN interface name")
    }
}
