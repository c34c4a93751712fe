import HostSystem

/// Where the flat network keeps each namespace's files: dnsmasq's under `<dnsmasq root>/<namespace>/` and the
/// userdata server's under `<userdata root>/<namespace>/`, as mevoco.py lays them out
/// (`/var/lib/zstack/dnsmasq/`, `/var/lib/zstack/userdata/`), plus the pid and log files mevoco.py leaves
/// to process lookups and /var/log: everything the agent or its daemons write stays inside the two roots.
struct FlatNetworkPaths: Sendable {
    let dnsmasqRoot: String
    let userdataRoot: String

    /// One namespace's dnsmasq files. `namespace` has passed `FlatNames.namespace`, so it is one path
    /// component that cannot climb out of the root.
    struct Dnsmasq: Sendable {
        let directory: String
        var conf: String { directory + "/dnsmasq.conf" }
        var hosts: String { directory + "/hosts.dhcp" }
        var options: String { directory + "/hosts.option" }
        var dnsHosts: String { directory + "/hosts.dns" }
        var log: String { directory + "/dnsmasq.log" }
        var pidFile: String { directory + "/dnsmasq.pid" }
        var startLog: String { directory + "/dnsmasq-start.log" }
        /// The entries the files are rendered from, so a non-rebuild apply or a release after an agent restart
        /// starts from what the MN sent before.
        var entries: String { directory + "/dhcp-entries.json" }
    }

    /// One namespace's userdata server: `html/<vm ip>/...` per VM, `html/zstack-default/` for strangers.
    struct Userdata: Sendable {
        let directory: String
        var conf: String { directory + "/lighttpd.conf" }
        var html: String { directory + "/html" }
        var pidFile: String { directory + "/lighttpd.pid" }
        var errorLog: String { directory + "/lighttpd_error.log" }
        var startLog: String { directory + "/lighttpd-start.log" }
        /// The VMs served and the network facts their rules need, for the same reason as `Dnsmasq.entries`.
        var state: String { directory + "/userdata.json" }
        func vm(_ ip: String) -> String { html + "/" + ip }
        var fallback: String { html + "/zstack-default" }
    }

    func dnsmasq(_ namespace: String) -> Dnsmasq { Dnsmasq(directory: dnsmasqRoot + "/" + namespace) }
    func userdata(_ namespace: String) -> Userdata { Userdata(directory: userdataRoot + "/" + namespace) }
}
