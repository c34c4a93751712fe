import HostSystem

/// Where the agent keeps the files it renders and the pid files of the daemons it starts.
/// The defaults are the Python agent's; `init(root:)` moves everything under a private directory so
/// that a test (or a second instance) runs beside the real one.
public struct RouterPaths: Sendable, Equatable {
    public var dnsmasqConf = "/etc/dnsmasq.conf"
    public var dhcpHostsFile = "/etc/hosts.dhcp"
    public var dhcpOptionsFile = "/etc/hosts.option"
    public var dnsHostsFile = "/etc/hosts.dns"
    public var dhcpLeasesFile = "/etc/hosts.leases"
    public var resolvConf = "/etc/resolv.conf"
    public var dnsmasqPidFile = "/var/run/dnsmasq.pid"
    /// dnsmasq's `log-facility`; nil logs to syslog, as on a router.
    public var dnsmasqLog: String?
    /// `<lbUuid>-<listenerUuid>.cfg` files.
    public var haproxyDirectory = "/etc/haproxy"
    /// `haproxy-<lbUuid>-<listenerUuid>.pid` files.
    public var pidDirectory = "/var/run"
    /// What dnsmasq and haproxy print while they start (`<daemon>-start.log`): where a failed start says why.
    public var logDirectory = "/var/log/zstack"

    public static let production = RouterPaths()

    public init() {}

    /// Every file under `root`: `root/etc/...`, `root/run/...`, `root/log/...`; the directories are made
    /// as they are needed.
    public init(root: String) {
        dnsmasqConf = root + "/etc/dnsmasq.conf"
        dhcpHostsFile = root + "/etc/hosts.dhcp"
        dhcpOptionsFile = root + "/etc/hosts.option"
        dnsHostsFile = root + "/etc/hosts.dns"
        dhcpLeasesFile = root + "/etc/hosts.leases"
        resolvConf = root + "/etc/resolv.conf"
        dnsmasqPidFile = root + "/run/dnsmasq.pid"
        dnsmasqLog = root + "/dnsmasq.log"
        haproxyDirectory = root + "/etc/haproxy"
        pidDirectory = root + "/run"
        logDirectory = root + "/log"
    }

    /// Makes the directories a daemon needs before it starts: its pid files' and its start log's.
    func makeDaemonDirectories() throws {
        for directory in [Files.parentDirectory(of: dnsmasqPidFile), pidDirectory, logDirectory] {
            try Files.makeDirectories(directory)
        }
    }

    func startLog(_ daemon: String) -> String { "\(logDirectory)/\(daemon)-start.log" }

    func haproxyConfig(_ listener: String) -> String { "\(haproxyDirectory)/\(listener).cfg" }
    func haproxyPidFile(_ listener: String) -> String { "\(pidDirectory)/haproxy-\(listener).pid" }
}
