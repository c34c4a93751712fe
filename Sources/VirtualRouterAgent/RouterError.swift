import HostSystem

/// Why a command could not be carried out on this router (as opposed to `InvalidField`, which says the
/// command itself is malformed).
public enum RouterError: Error, CustomStringConvertible, Equatable, Sendable {
    case noInterface(mac: String, field: String)
    case noInterfaceHolding(ip: IPv4Address, field: String)
    case noAddress(nic: String, field: String)
    case duplicateMAC(String, [String])
    case unsafeInterfaceName(String)
    case dnsmasqNotRunning(String)

    public var description: String {
        switch self {
        case let .noInterface(mac, field): "no NIC with MAC \(mac) (\(field)) on the virtual router"
        case let .noInterfaceHolding(ip, field): "no NIC holds \(ip) (\(field)) on the virtual router"
        case let .noAddress(nic, field): "NIC \(nic) has no IPv4 address (needed by \(field))"
        case let .duplicateMAC(mac, names): "NICs \(names.joined(separator: ", ")) share MAC \(mac)"
        case let .unsafeInterfaceName(name): "interface name \(String(reflecting: name)) cannot be used in rules"
        case let .dnsmasqNotRunning(reason): "dnsmasq is not running: \(reason)"
        }
    }
}

