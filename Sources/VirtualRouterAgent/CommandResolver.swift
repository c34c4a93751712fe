import HostSystem
import AgentWire

/// Turns wire transfer objects into validated, NIC-resolved rules. Pure: the router's interfaces are an
/// input, so every command can be checked completely before anything is applied.
public struct CommandResolver: Sendable {
    public var interfaces: InterfaceTable

    public init(interfaces: InterfaceTable) { self.interfaces = interfaces }

    /// A NIC to configure: the interface found by MAC plus its validated address.
    public struct NICConfig: Sendable, Equatable {
        public var name: String
        public var address: InterfaceTable.Address
        public var gateway: IPv4Address?
        public var isDefaultRoute: Bool
    }

    public func nic(_ info: VR.NicInfo, field: String) throws -> NICConfig {
        let mac = try Validate.mac(info.mac, field + ".mac")
        let ip = try Validate.ipv4(info.ip, field + ".ip")
        let prefix = try Validate.netmask(info.netmask, field + ".netmask")
        let gateway = try info.gateway.map { v throws(InvalidField) in try Validate.ipv4(v, field + ".gateway") }
        let isDefault = info.isDefaultRoute ?? false
        if isDefault && gateway == nil {
            throw InvalidField(field: field + ".gateway", value: nil, expected: "set when isDefaultRoute is true")
        }
        let name = try safeName(interfaces.interface(mac: mac, field: field + ".mac"))
        return NICConfig(name: name, address: .init(ip: ip, prefixLength: prefix), gateway: gateway,
                         isDefaultRoute: isDefault)
    }

    public func snat(_ info: VR.SNATInfo, field: String) throws -> SNATRule {
        let publicMAC = try Validate.mac(info.publicNicMac, field + ".publicNicMac")
        let privateMAC = try Validate.mac(info.privateNicMac, field + ".privateNicMac")
        let publicIP = try Validate.ipv4(info.publicIp, field + ".publicIp")
        var network: String?
        if let privateIP = info.privateNicIp, let mask = info.snatNetmask {
            let ip = try Validate.ipv4(privateIP, field + ".privateNicIp")
            let prefix = try Validate.netmask(mask, field + ".snatNetmask")
            network = "\(ip.network(prefixLength: prefix))/\(prefix)"
        }
        return SNATRule(
            privateNIC: try safeName(interfaces.interface(mac: privateMAC, field: field + ".privateNicMac")),
            publicNIC: try safeName(interfaces.interface(mac: publicMAC, field: field + ".publicNicMac")),
            publicIP: publicIP, privateNetwork: network)
    }

    public func eip(_ to: VR.EipTO, field: String) throws -> EIPRule {
        let vip = try Validate.ipv4(to.vipIp, field + ".vipIp")
        let guest = try Validate.ipv4(to.guestIp, field + ".guestIp")
        let privateMAC = try Validate.mac(to.privateMac, field + ".privateMac")
        let privateNIC = try interfaces.interface(mac: privateMAC, field: field + ".privateMac")
        return EIPRule(
            vip: vip, guestIP: guest,
            vipNIC: try safeName(interfaces.interface(holding: vip, field: field + ".vipIp")),
            privateNIC: try safeName(privateNIC),
            inboundSource: to.snatInboundTraffic == true
                ? try interfaces.primaryAddress(of: privateNIC, field: field + ".snatInboundTraffic") : nil)
    }

    public func portForward(_ to: VR.PortForwardingRuleTO, field: String) throws -> PortForwardRule {
        let vip = try Validate.ipv4(to.vipIp, field + ".vipIp")
        let transport = try Validate.transport(to.protocolType, field + ".protocolType")
        let vipPorts = try Validate.portRange(to.vipPortStart, to.vipPortEnd, field + ".vipPort")
        let privatePorts = try Validate.portRange(to.privatePortStart, to.privatePortEnd, field + ".privatePort")
        let privateIP = try Validate.ipv4(to.privateIp, field + ".privateIp")
        let privateMAC = try Validate.mac(to.privateMac, field + ".privateMac")
        let cidr = try to.allowedCidr.flatMap { $0.isEmpty ? nil : $0 }
            .map { v throws(InvalidField) in try Validate.cidr(v, field + ".allowedCidr") }
        let privateNIC = try interfaces.interface(mac: privateMAC, field: field + ".privateMac")
        return PortForwardRule(
            vip: vip, transport: transport, vipPorts: vipPorts, privateIP: privateIP, privatePorts: privatePorts,
            vipNIC: try safeName(interfaces.interface(holding: vip, field: field + ".vipIp")),
            privateNIC: try safeName(privateNIC), allowedCIDR: cidr,
            inboundSource: to.snatInboundTraffic == true
                ? try interfaces.primaryAddress(of: privateNIC, field: field + ".snatInboundTraffic") : nil)
    }

    /// Keys ZStack's haproxy template reads; other keys are refused rather than silently ignored.
    static let listenerParameters: Set<String> = [
        "maxConnection", "connectionIdleTimeout", "balancerAlgorithm", "healthCheckTarget",
        "healthCheckInterval", "healthyThreshold", "unhealthyThreshold", "healthCheckTimeout",
    ]

    /// Listeners need no NIC lookup: haproxy binds the VIP wherever it is.
    public static func listener(_ to: VR.LbTO, field: String) throws -> LBListener {
        let mode = try Validate.required(to.mode?.lowercased(), field + ".mode", expected: "tcp or http")
        guard mode == "tcp" || mode == "http" else {
            throw InvalidField(field: field + ".mode", value: to.mode, expected: "tcp or http")
        }
        var parameters: [String: String] = [:]
        for (index, entry) in (to.parameters ?? []).enumerated() {
            let path = "\(field).parameters[\(index)]"
            let parts = entry.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, Self.listenerParameters.contains(parts[0]), !parts[1].isEmpty,
                  parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ":._-".contains($0)) })
            else { throw InvalidField(field: path, value: entry, expected: "a known \"key::value\" listener parameter") }
            parameters[parts[0]] = parts[1]
        }
        return LBListener(
            lbUuid: try Validate.identifier(to.lbUuid, field + ".lbUuid"),
            listenerUuid: try Validate.identifier(to.listenerUuid, field + ".listenerUuid"),
            vip: try Validate.ipv4(to.vip, field + ".vip"),
            backends: try (to.nicIps ?? []).enumerated().map { index, ip throws(InvalidField) in
                try Validate.ipv4(ip, "\(field).nicIps[\(index)]")
            },
            instancePort: try Validate.port(to.instancePort, field + ".instancePort"),
            loadBalancerPort: try Validate.port(to.loadBalancerPort, field + ".loadBalancerPort"),
            mode: mode, parameters: parameters)
    }

    /// DHCP entries need no NIC lookup; the default hostname is ZStack's (`10-0-0-5[.domain]`).
    public static func dhcpHost(_ info: VR.DhcpInfo, field: String) throws -> DHCPHost {
        let ip = try Validate.ipv4(info.ip, field + ".ip")
        let domain = try info.dnsDomain.flatMap { $0.isEmpty ? nil : $0 }
            .map { v throws(InvalidField) in try Validate.dnsName(v, field + ".dnsDomain") }
        let hostname = try info.hostname.flatMap { $0.isEmpty ? nil : $0 }
            .map { v throws(InvalidField) in try Validate.dnsName(v, field + ".hostname") }
            ?? ([ip.description.replacingDots] + (domain.map { [$0] } ?? []))
                .joined(separator: ".")
        return DHCPHost(
            mac: try Validate.mac(info.mac, field + ".mac"),
            ip: ip,
            netmask: IPv4Address(netmaskPrefix: try Validate.netmask(info.netmask, field + ".netmask")),
            gateway: try info.gateway.map { v throws(InvalidField) in try Validate.ipv4(v, field + ".gateway") },
            dns: try (info.dns ?? []).enumerated().map { index, v throws(InvalidField) in
                try Validate.ipv4(v, "\(field).dns[\(index)]")
            },
            hostname: hostname, dnsDomain: domain, isDefaultL3Network: info.isDefaultL3Network ?? false)
    }

    /// Names from the kernel go into rules verbatim, so they are checked too.
    private func safeName(_ nic: InterfaceTable.Interface) throws(RouterError) -> String {
        guard NetworkNames.isInterfaceName(nic.name) else { throw RouterError.unsafeInterfaceName(nic.name) }
        return nic.name
    }
}
