/// dnsmasq's files for one flat namespace, laid out as mevoco.py's `apply` writes them (a hosts line
/// `mac,set:<tag>,ip[,hostname],infinite`, options `tag:<tag>,option:...`, DNS hosts `ip hostname`, one
/// `dhcp-range=<gateway>,static`), plus the pid file mevoco.py does without (it finds dnsmasq by its
/// command line). Pure.
struct FlatDnsmasqFiles: Equatable {
    var conf: String
    var hosts: String
    var options: String
    var dnsHosts: String

    init(entries: [FlatDhcpEntry], paths: FlatNetworkPaths.Dnsmasq, interface: String) {
        let ranges = entries.last.map { ["dhcp-range=\($0.gateway ?? $0.ip),static"] } ?? []
        conf = Self.lines([
            "domain-needed",
            "bogus-priv",
            "no-hosts",
            "addn-hosts=\(paths.dnsHosts)",
            "dhcp-option=vendor:MSFT,2,1i",
            "dhcp-lease-max=65535",
            "dhcp-hostsfile=\(paths.hosts)",
            "dhcp-optsfile=\(paths.options)",
            "log-facility=\(paths.log)",
            "pid-file=\(paths.pidFile)",
            "interface=\(interface)",
            "except-interface=lo",
            "bind-interfaces",
            "leasefile-ro",
        ] + ranges)
        hosts = Self.lines(entries.map { entry in
            let name = entry.isDefaultL3Network ? entry.hostname.map { ",\($0)" } ?? "" : ""
            return "\(entry.mac),set:\(entry.tag),\(entry.ip)\(name),infinite"
        })
        options = Self.lines(entries.flatMap(Self.options))
        dnsHosts = Self.lines(entries.compactMap { entry in
            guard entry.isDefaultL3Network, let hostname = entry.hostname else { return nil }
            return "\(entry.ip) \(hostname)"
        })
    }

    private static func options(_ entry: FlatDhcpEntry) -> [String] {
        let tag = "tag:\(entry.tag)"
        var result: [String] = []
        if entry.isDefaultL3Network {
            if let router = entry.router { result.append("\(tag),option:router,\(router)") }
            if !entry.dns.isEmpty { result.append("\(tag),option:dns-server,\(entry.dns.joined(separator: ","))") }
            if let domain = entry.dnsDomain { result.append("\(tag),option:domain-name,\(domain)") }
            if !entry.routes.isEmpty {
                let routes = entry.routes.joined(separator: ",")
                result += ["\(tag),option:classless-static-route,\(routes)", "\(tag),option:microsoft-249,\(routes)"]
            }
        } else {
            // Empty router and DNS options: the guest keeps those of its default network.
            result += ["\(tag),3", "\(tag),6"]
            if let router = entry.router { result.append("\(tag),option:router,\(router)") }
        }
        result.append("\(tag),option:netmask,\(entry.netmask)")
        if let mtu = entry.mtu { result.append("\(tag),option:mtu,\(mtu)") }
        return result
    }

    private static func lines(_ lines: [String]) -> String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
