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

    @Option(help: "Address to listen on.")
    var listen = "0.0.0.0"

    @Option(help: "TCP port to listen on.")
    var port = AgentPort.kvm

    @Option(help: """
        libvirt URI: qemu:///system on a host, test:///default for a demo without KVM. Default:         $LIBVIRT_DEFAULT_URI (what the init script's defaults file sets), else qemu:///system.
        """)
    var libvirtURI: String?

    @Option(help: "Directory for state kept across restarts (the MN version in kvmagent_version).")
    var stateDir = "/var/lib/zstack"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    private static var environmentURI: String? {
        getenv("LIBVIRT_DEFAULT_URI").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "zstack.kvmagent")
        let agent = try await buildKVMAgent(
            KVMAgentConfiguration(
                server: .init(listenAddress: listen, port: port), libvirtURI: libvirtURI ?? Self.environmentURI ?? "qemu:///system", stateDirectory: stateDir,
                // Exit non-zero so init restarts the agent with a fresh libvirt connection, as ZStack's does.
                onLibvirtLost: { _ in Glibc.exit(2) }),
            logger: logger)
        try await agent.run { port in
            logger.info("listening", metadata: ["port": "\(port)"])
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
