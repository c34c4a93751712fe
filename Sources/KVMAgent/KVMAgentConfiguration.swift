import AgentServer
import AgentWire

/// Everything the KVM agent needs to start. The executable fills it from flags; tests build it directly.
public struct KVMAgentConfiguration: Sendable {
    public var server: AgentServerConfiguration
    /// The libvirt URI: `qemu:///system` in production, `test:///default` or `test:///<node.xml>` in tests.
    public var libvirtURI: String
    /// The domain type written into domain XML: `kvm` in production, `test` on the test driver.
    public var domainType: String
    /// The qemu binary for `<emulator>`, or nil to let libvirt choose.
    public var emulator: String?
    /// Where the agent keeps state that outlives it: the MN's version goes to `kvmagent_version` there, as
    /// ZStack's Python agent writes `/var/lib/zstack/kvmagent_version`.
    public var stateDirectory: String
    /// The iptables command `/host/connect` applies `iptablesRules` with; a prefix such as
    /// `["ip", "netns", "exec", "ns1", "iptables"]` confines it to a network namespace.
    public var iptablesCommand: [String]
    /// Called once libvirt closed the connection and `/kvm/reconnectme` was sent (or could not be). The
    /// `zstack-kvmagent` executable exits non-zero here so init restarts it; the library default does
    /// nothing, so a test process is never killed.
    public var onLibvirtLost: @Sendable (_ reason: String) -> Void
    /// Runs the bridge commands' `ip` inside this network namespace (`ip -n`); nil is the host's own.
    /// Tests give the agent a namespace of its own this way.
    public var networkNamespace: String?
    /// The storage roots of this host: `/localstorage/init` may only place a local storage inside them, and
    /// VM disks, CD-ROMs and `/host/checkfile` may only name files inside them (block devices: see
    /// `VolumePathPolicy`). ZStack's own defaults, so an unmodified MN keeps working; the playbook writes
    /// `--storage-root` for others.
    public var storageRoots: [String]
    public static let defaultStorageRoots = ["/zstack_ps", "/var/lib/zstack", "/opt/zstack/nfsprimarystorage"]
    /// Where libvirt's qemu driver writes each domain's pid file (`/vm/priority` sets the OOM score of
    /// that process).
    public var qemuRunDirectory = "/var/run/libvirt/qemu"
    /// The queue under each VIP QoS class (`/flatnetworkprovider/vipqos/apply`): vipqos.py's `sfq` by
    /// default; a kernel without sch_sfq (this project's test VMs) takes `pfifo`.
    public var vipQosLeafQdisc = Self.defaultVipQosLeafQdisc
    public static let defaultVipQosLeafQdisc = "sfq"
    /// The MN's take-over flag (`KvmHost.takeOverFlagPath`): the MN writes it over ssh at the end of a
    /// connect and refuses to add the host to a second MN while it is fresher than a ping interval; every
    /// `/host/ping` touches it when it exists, as the Python agent does. Tests point it into a scratch directory.
    public var takeOverFlagPath: String
    /// What `/host/shutdown` and `/host/reboot` run (argv, no shell), a second after replying so the reply
    /// reaches the MN first. The Python agent's `init 0` and `shutdown -r now` by default; tests give a
    /// program that records its arguments.
    public var hostShutdownCommand: [String]
    public var hostRebootCommand: [String]
    /// The flat network provider's files: dnsmasq's per DHCP namespace (`<dir>/<namespace>/`) and the
    /// metadata server's per namespace. Python's paths; nothing the flat network writes goes elsewhere.
    public var flatDnsmasqDirectory = "/var/lib/zstack/dnsmasq"
    public var flatUserdataDirectory = "/var/lib/zstack/userdata"
    /// The programs the flat network runs in its namespaces (mevoco.py runs `/usr/local/zstack/dnsmasq`, its
    /// own build; Debian's serves the same files).
    public var dnsmasqCommand = "dnsmasq"
    public var lighttpdCommand = "lighttpd"
    /// Where libvirt keeps the UEFI variable stores (`<vm uuid>.fd`) `/clean/firmware/flash` removes.
    public var nvramDirectory: String

    public init(
        server: AgentServerConfiguration = .init(port: KVM.defaultPort),
        libvirtURI: String = "qemu:///system",
        domainType: String? = nil,
        emulator: String? = nil,
        stateDirectory: String = "/var/lib/zstack",
        iptablesCommand: [String] = ["iptables"],
        networkNamespace: String? = nil,
        storageRoots: [String] = Self.defaultStorageRoots,
        takeOverFlagPath: String = "/var/run/zstack/takeOver",
        hostShutdownCommand: [String] = ["init", "0"],
        hostRebootCommand: [String] = ["shutdown", "-r", "now"],
        nvramDirectory: String = "/var/lib/libvirt/qemu/nvram",
        onLibvirtLost: @escaping @Sendable (_ reason: String) -> Void = { _ in }
    ) {
        self.server = server
        self.libvirtURI = libvirtURI
        self.domainType = domainType ?? (libvirtURI.hasPrefix("test:") ? "test" : "kvm")
        self.emulator = emulator
        self.stateDirectory = stateDirectory
        self.iptablesCommand = iptablesCommand
        self.onLibvirtLost = onLibvirtLost
        self.networkNamespace = networkNamespace
        self.storageRoots = storageRoots
        self.takeOverFlagPath = takeOverFlagPath
        self.hostShutdownCommand = hostShutdownCommand
        self.hostRebootCommand = hostRebootCommand
        self.nvramDirectory = nvramDirectory
    }

    /// The file the MN's version is persisted to.
    public var versionFilePath: String {
        (stateDirectory.hasSuffix("/") ? stateDirectory : stateDirectory + "/") + "kvmagent_version"
    }

    /// The test driver has no NVRAM and rejects the flag that removes it.
    var isTestDriver: Bool { libvirtURI.hasPrefix("test:") || libvirtURI.hasPrefix("test+") }
}
