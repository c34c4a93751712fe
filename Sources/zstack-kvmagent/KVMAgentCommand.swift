import AgentCommandLine
import AgentServer
import AgentWire
import ArgumentParser
import KVMAgent
import Logging

#if canImport(Glibc)
import Glibc
#endif

@main
struct KVMAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zstack-kvmagent",
        abstract: "ZStack KVM host agent: drives libvirt for the management node over HTTP+JSON.")

    @OptionGroup var server: ServerOptions

    @Option(help: ArgumentHelp(
        "libvirt URI: qemu:///system on a host, test:///default for a demo without KVM.",
        discussion: "Default: $LIBVIRT_DEFAULT_URI (the init script's defaults file sets it), else qemu:///system."))
    var libvirtURI: String?

    @Option(help: "Directory for state kept across restarts (the MN version in kvmagent_version).")
    var stateDir = "/var/lib/zstack"

    @Option(help: ArgumentHelp(
        "A directory local storages, VM disks and CD-ROMs may live in (repeatable).",
        discussion: "Default: \(KVMAgentConfiguration.defaultStorageRoots.joined(separator: ", ")). / and system directories are refused."))
    var storageRoot: [String] = []

    @Option(help: "The MN's take-over flag (KvmHost.takeOverFlagPath); /host/ping touches it when it exists.")
    var takeOverFlag = "/var/run/zstack/takeOver"

    @Option(help: ArgumentHelp("What /host/shutdown runs, a second after replying.",
                               discussion: "Words separated by spaces, run as an argv (no shell)."))
    var hostShutdownCommand = "init 0"

    @Option(help: ArgumentHelp("What /host/reboot runs, a second after replying.",
                               discussion: "Words separated by spaces, run as an argv (no shell)."))
    var hostRebootCommand = "shutdown -r now"

    @Option(help: "libvirt's directory of UEFI variable stores, which /clean/firmware/flash removes from.")
    var nvramDir = "/var/lib/libvirt/qemu/nvram"

    @Option(help: "libvirt's directory of qemu pid files, whose processes /vm/priority sets the OOM score of.")
    var qemuRunDir = "/var/run/libvirt/qemu"

    @Option(help: ArgumentHelp(
        "Run the bridge and security-group commands' ip, iptables and ipset inside this network namespace.",
        discussion: "For tests and fuzzing: the host's own links and firewall stay untouched."))
    var netns: String?
    @Option(help: ArgumentHelp("The queue discipline under each VIP QoS class (vipqos.py's sfq).",
                               discussion: "For kernels built without sch_sfq: pfifo, say."))
    var vipQosLeafQdisc = KVMAgentConfiguration.defaultVipQosLeafQdisc

    @Option(help: "The flat network's dnsmasq files, one directory per DHCP namespace.")
    var flatDnsmasqDir = "/var/lib/zstack/dnsmasq"

    @Option(help: "The flat network's userdata and metadata, one directory per namespace.")
    var flatUserdataDir = "/var/lib/zstack/userdata"

    private var resolvedLibvirtURI: String {
        if let libvirtURI { return libvirtURI }
        if let fromEnvironment = getenv("LIBVIRT_DEFAULT_URI").map({ String(cString: $0) }), !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "qemu:///system"
    }

    func run() async throws {
        server.bootstrapLogging()
        let logger = Logger(label: "zstack.kvmagent")
        var configuration = KVMAgentConfiguration(
            server: try server.serverConfiguration(defaultPort: KVM.defaultPort),
            libvirtURI: resolvedLibvirtURI,
            stateDirectory: stateDir,
            storageRoots: storageRoot.isEmpty ? KVMAgentConfiguration.defaultStorageRoots : storageRoot,
            takeOverFlagPath: takeOverFlag,
            hostShutdownCommand: hostShutdownCommand.split(separator: " ").map(String.init),
            hostRebootCommand: hostRebootCommand.split(separator: " ").map(String.init),
            nvramDirectory: nvramDir,
            // Exit non-zero so init restarts the agent with a fresh libvirt connection, as ZStack's does.
            onLibvirtLost: { _ in Glibc.exit(2) })
        configuration.qemuRunDirectory = qemuRunDir
        configuration.networkNamespace = netns
        configuration.vipQosLeafQdisc = vipQosLeafQdisc
        configuration.flatDnsmasqDirectory = flatDnsmasqDir
        configuration.flatUserdataDirectory = flatUserdataDir
        let agent = try await buildKVMAgent(configuration, logger: logger)
        try await agent.run { port in
            logger.info("listening", metadata: ["port": "\(port)"])
        }
    }
}
