import AgentCommandLine
import AgentServer
import AgentWire
import ArgumentParser
import HostSystem
import Logging
import VirtualRouterAgent

@main
struct VirtualRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zstack-virtualrouter",
        abstract: "ZStack virtual-router agent: dnsmasq, iptables, VIPs and haproxy for the management node over HTTP+JSON.")

    @OptionGroup var server: ServerOptions

    @Option(help: "Private file root (etc/, run/ under it) instead of the router's /etc and /var/run.")
    var root: String?

    @Option(help: "Run ip, iptables, dnsmasq and haproxy inside this network namespace.")
    var netns: String?

    @Option(help: "The management NIC, which gets no input chain.")
    var managementNic = "eth0"

    @Option(help: "How dnsmasq picks up changes: restart (safe with dnsmasq 2.90) or signal (SIGHUP, as ZStack).")
    var dnsmasqReload = "restart"

    @Option(help: "User dnsmasq drops to (default: dnsmasq's own).")
    var dnsmasqUser: String?

    func validate() throws {
        guard ["restart", "signal"].contains(dnsmasqReload) else {
            throw ValidationError("--dnsmasq-reload must be restart or signal")
        }
    }

    func run() async throws {
        server.bootstrapLogging()
        let logger = Logger(label: "zstack.virtualrouter")
        let router = VirtualRouter.Configuration(
            paths: root.map(RouterPaths.init(root:)) ?? .production,
            runner: ProcessRunner(defaultTimeout: .seconds(60), networkNamespace: netns),
            managementNIC: managementNic,
            dnsmasqUser: dnsmasqUser,
            dnsmasqReload: dnsmasqReload == "signal" ? .signal : .restart)
        let agent = try buildVirtualRouterAgent(
            VirtualRouterAgentConfiguration(server: try server.serverConfiguration(defaultPort: AgentPort.virtualRouter), router: router),
            logger: logger)
        try await agent.run { port in
            logger.info("listening", metadata: ["port": "\(port)"])
        }
    }
}
