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
        let agent = try await buildKVMAgent(
            KVMAgentConfiguration(
                server: try server.serverConfiguration(defaultPort: KVM.defaultPort),
                libvirtURI: resolvedLibvirtURI,
                stateDirectory: stateDir,
                storageRoots: storageRoot.isEmpty ? KVMAgentConfiguration.defaultStorageRoots : storageRoot,
                // Exit non-zero so init restarts the agent with a fresh libvirt connection, as ZStack's does.
                onLibvirtLost: { _ in Glibc.exit(2) }),
            logger: logger)
        try await agent.run { port in
            logger.info("listening", metadata: ["port": "\(port)"])
        }
    }
}
