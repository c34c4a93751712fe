import AgentWire
import HostSystem

/// An `EipTO` with every field the EIP's namespace, links and rules are made of checked and in canonical
/// form: built before anything on the host changes, so a bad field is refused with its name and nothing
/// applied. deip.py takes the values as they come and pastes them into shell lines.
struct EipPlan: Sendable, Equatable {
    let identity: EipIdentity
    let vipPrefix: Int
    let vipGateway: EipAddress
    let nicIp: EipAddress
    let nicPrefix: Int
    let nicGateway: EipAddress
    let nicMac: String
    let privateBridge: String
    let skipArpCheck: Bool
    /// The link alias deip.py writes on all four veth ends (`collect_vip_statistics` and the HA cleanup
    /// parse it back): `eip:<uuid>,eip_addr:<vip>,vnic:<nic>,vnic_ip:<ip>,vm:<vm>,vip:<vip uuid>`, IPv6
    /// addresses with '-' for ':'.
    let linkAlias: String

    /// - Parameter field: where the EIP sits in the command (`eip`, `eips[2]`), for error messages.
    init(_ eip: KVM.EipTO?, field: String) throws(InvalidField) {
        guard let eip else { throw InvalidField(field: field, value: nil, expected: "an EIP") }
        identity = try EipIdentity(eip, field: field)
        let version = identity.version
        if version == 4 {
            // deip.py derives IPv4 prefixes from the netmasks, which every path fills.
            vipPrefix = try Validate.netmask(eip.vipNetmask, "\(field).vipNetmask")
            nicPrefix = try Validate.netmask(eip.nicNetmask, "\(field).nicNetmask")
        } else {
            vipPrefix = try Self.prefix(eip.vipPrefixLen, "\(field).vipPrefixLen")
            nicPrefix = try Self.prefix(eip.nicPrefixLen, "\(field).nicPrefixLen")
        }
        vipGateway = try EipIdentity.address(eip.vipGateway, version, "\(field).vipGateway")
        nicIp = try EipIdentity.address(eip.nicIp, version, "\(field).nicIp")
        nicGateway = try EipIdentity.address(eip.nicGateway, version, "\(field).nicGateway")
        nicMac = try Validate.mac(eip.nicMac, "\(field).nicMac")
        privateBridge = try Self.interface(eip.vmBridgeName, "\(field).vmBridgeName")
        skipArpCheck = eip.skipArpCheck ?? false
        let vmUuid = try eip.vmUuid.map { uuid throws(InvalidField) in try Validate.identifier(uuid, "\(field).vmUuid") }
        let vipUuid = try eip.vipUuid.map { uuid throws(InvalidField) in try Validate.identifier(uuid, "\(field).vipUuid") }
        func tag(_ address: EipAddress) -> String { String("\(address)".map { $0 == ":" ? "-" : $0 }) }
        linkAlias = "eip:\(identity.eipUuid),eip_addr:\(tag(identity.vip)),vnic:\(identity.nicName),vnic_ip:\(tag(nicIp)),vm:\(vmUuid ?? "None"),vip:\(vipUuid ?? "None")"
    }

    var names: EipNames { identity.names }
    var vip: EipAddress { identity.vip }
    var nicName: String { identity.nicName }
    var publicBridge: String { identity.publicBridge }
    var isIPv6: Bool { identity.version == 6 }

    private static func prefix(_ value: Int?, _ field: String) throws(InvalidField) -> Int {
        guard let value, (1...128).contains(value) else {
            throw InvalidField(field: field, value: value.map(String.init), expected: "an IPv6 prefix length between 1 and 128")
        }
        return value
    }

    /// An interface name ZStack made (a bridge, a tap), refused with the field's name otherwise.
    static func interface(_ value: String?, _ field: String) throws(InvalidField) -> String {
        let name = try Validate.required(value, field, expected: "an interface name")
        if let problem = NetworkNames.interfaceNameProblem(name) {
            throw InvalidField(field: field, value: name, expected: "an interface name (it \(problem))")
        }
        return name
    }
}

/// What names an EIP on the host, and all that deleting it needs: the MN's detach path fills fewer fields
/// than attach, and a delete must still find the namespace, devices and chains to remove.
struct EipIdentity: Sendable, Equatable {
    let names: EipNames
    let eipUuid: String
    /// 4 or 6.
    let version: Int
    let vip: EipAddress
    let nicName: String
    let publicBridge: String
    /// An SR-IOV VF NIC's physical NIC (`addfdb` with `physicalNic`): it needs an fdb entry for the
    /// namespace's private end, or the VF's traffic to the gateway never reaches the bridge.
    let fdbNic: String?

    init(_ eip: KVM.EipTO?, field: String) throws(InvalidField) {
        guard let eip else { throw InvalidField(field: field, value: nil, expected: "an EIP") }
        version = eip.ipVersion ?? 4
        guard version == 4 || version == 6 else {
            throw InvalidField(field: "\(field).ipVersion", value: String(version), expected: "4 or 6")
        }
        eipUuid = try Validate.identifier(eip.eipUuid, "\(field).eipUuid")
        vip = try Self.address(eip.vip, version, "\(field).vip")
        nicName = try EipPlan.interface(eip.nicName, "\(field).nicName")
        publicBridge = try EipPlan.interface(eip.publicBridgeName, "\(field).publicBridgeName")
        names = EipNames(eipUuid: eipUuid, publicBridge: publicBridge, vip: vip)
        fdbNic = eip.addfdb == true && !(eip.physicalNic ?? "").isEmpty
            ? try EipPlan.interface(eip.physicalNic, "\(field).physicalNic") : nil
    }

    /// An address of the EIP's family, refused with the field's name otherwise.
    static func address(_ value: String?, _ version: Int, _ field: String) throws(InvalidField) -> EipAddress {
        guard let value, let address = EipAddress(value, version: version) else {
            throw InvalidField(field: field, value: value, expected: "an IPv\(version) address")
        }
        return address
    }
}
