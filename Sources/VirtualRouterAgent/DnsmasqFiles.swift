import HostSystem

/// The dnsmasq files for a `RouterState`, in the formats ZStack's Python agent writes (so an existing
/// router's files read the same): hosts `mac,set:<tag>,ip,hostname,infinite`, options
/// `tag:<tag>,option:router,<gw>`, DNS hosts `ip hostname`, and one `dhcp-range=<gateway>,static` per
/// guest network.
public struct DnsmasqFiles: Sendable, Equatable {
    public var hosts: String
    public var options: String
    public var dnsHosts: String
    public var conf: String
    public var resolvConf: String

    public init(state: RouterState, paths: RouterPaths, user: String? = nil) {
        let entries = state.dhcpHosts.values.sorted { $0.ip < $1.ip }
        hosts = Self.lines(entries.map { host in
            "\(host.mac),set:\(host.tag),\(host.ip),\(host.isDefaultL3Network ? host.hostname : ""),infinite"
        })
        options = Self.lines(entries.flatMap(Self.options))
        dnsHosts = Self.lines(entries.filter(\.isDefaultL3Network).map { "\($0.ip) \($0.hostname)" })
        let ranges = Set(entries.compactMap(\.gateway)).sorted().map { "dhcp-range=\($0),static" }
        conf = Self.lines([
            "# Written by zstack-virtualrouter; rewritten on every DHCP change.",
            "pid-file=\(paths.dnsmasqPidFile)",
            "dhcp-leasefile=\(paths.dhcpLeasesFile)",
            "dhcp-hostsfile=\(paths.dhcpHostsFile)",
            "dhcp-optsfile=\(paths.dhcpOptionsFile)",
            "addn-hosts=\(paths.dnsHostsFile)",
            "resolv-file=\(paths.resolvConf)",
        ] + (paths.dnsmasqLog.map { ["log-facility=\($0)"] } ?? []) + (user.map { ["user=\($0)"] } ?? []) + ranges)
        resolvConf = Self.lines(state.dnsServers.map { "nameserver \($0)" })
    }

    private static func options(_ host: DHCPHost) -> [String] {
        let tag = "tag:\(host.tag)"
        var result: [String] = []
        if host.isDefaultL3Network {
            if let gateway = host.gateway { result.append("\(tag),option:router,\(gateway)") }
            if !host.dns.isEmpty {
                result.append("\(tag),option:dns-server,\(host.dns.map(\.description).joined(separator: ","))")
            }
            if let domain = host.dnsDomain { result.append("\(tag),option:domain-name,\(domain)") }
        } else {
            // Not the default network: send empty router and DNS options so the guest keeps its own.
            result += ["\(tag),3", "\(tag),6"]
        }
        result.append("\(tag),option:netmask,\(host.netmask)")
        return result
    }

    private static func lines(_ lines: [String]) -> String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
