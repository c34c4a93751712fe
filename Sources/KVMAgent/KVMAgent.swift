import AgentServer
import HostSystem
import Libvirt
import Logging
import SSH

/// Builds the KVM agent's command server; the `zstack-kvmagent` executable and the tests both call this.
///
/// It opens the libvirt connection now rather than on first use: an agent that cannot reach libvirt is of
/// no use to the MN, so it fails at start (init restarts it) instead of answering every command with an
/// error; and the domain-event subscription must exist before the first command runs, or the events of
/// changes made meanwhile would be lost.
/// - Throws: `LibvirtError` when the connection cannot be opened or events cannot be subscribed to.
public func buildKVMAgent(_ configuration: KVMAgentConfiguration, logger: Logger) async throws -> AgentServer {
    let identity = HostIdentity()
    let runner = ProcessRunner()
    let volumePaths = VolumePathPolicy(roots: try PermittedRoots(configuration.storageRoots, purpose: "storage"))
    let eips = EipNamespaces(runner: runner, hostNamespace: configuration.networkNamespace)
    let connection = try await LibvirtConnection.open(uri: configuration.libvirtURI)
    let domainEvents = try await connection.domainEvents()
    let localStorageJobs = LocalStorageJobs()
    let vms = VMService(connection: connection,
                        builder: DomainXMLBuilder(domainType: configuration.domainType, emulator: configuration.emulator),
                        volumePaths: volumePaths,
                        undefineOptions: configuration.isTestDriver ? .metadata : .all,
                        qemuRunDirectory: configuration.qemuRunDirectory, emulator: configuration.emulator, runner: runner)
    var server = try AgentServer(
        configuration: configuration.server,
        routes: [
            HostRoutes(identity: identity, connection: connection, configuration: configuration, volumePaths: volumePaths,
                       virtualizer: vms.virtualizer,
                       power: HostPower(shutdownCommand: configuration.hostShutdownCommand,
                                        rebootCommand: configuration.hostRebootCommand, runner: runner),
                       dependencies: HostDependencies(programs: [
                           "qemu-img", "ip", configuration.iptablesCommand.first ?? "iptables",
                           "iptables-restore", "ip6tables-restore", "ebtables-restore", "ipset", "conntrack", "tc",
                           "arping", "dnsmasq", "lighttpd",
                       ])),
            VMRoutes(vms: vms, cancelOtherJobs: { await localStorageJobs.cancel(apiID: $0) }),
            NetworkRoutes(bridges: Bridges(link: IPLink(runner: runner, namespace: configuration.networkNamespace))),
            SecurityGroupRoutes(firewall: SecurityGroupFirewall(
                runner: ProcessRunner(networkNamespace: configuration.networkNamespace),
                link: IPLink(runner: runner, namespace: configuration.networkNamespace))),
            MigrationHelperRoutes(vms: vms,
                                  firewall: ConsoleFirewall(iptables: IptablesRules(command: configuration.iptablesCommand),
                                                            link: IPLink(runner: runner, namespace: configuration.networkNamespace)),
                                  nvramDirectory: configuration.nvramDirectory),
            LocalStorageRoutes(roots: LocalStorageRoots(permitted: volumePaths.roots),
                               qemuImg: QemuImg(runner: runner), runner: runner,
                               sftp: SftpImageTransfer(client: SSHClient(), knownHosts: KnownHostsFile(
                                   path: configuration.stateDirectory + "/sftp_known_hosts")),
                               jobs: localStorageJobs),
            EipRoutes(namespaces: eips),
            GarpRoutes(runner: runner),
            VipQosRoutes(namespaces: eips, leafQdisc: configuration.vipQosLeafQdisc),
            FlatNetworkRoutes(service: FlatNetworkService(
                runner: runner, hostNamespace: configuration.networkNamespace,
                paths: FlatNetworkPaths(dnsmasqRoot: configuration.flatDnsmasqDirectory,
                                        userdataRoot: configuration.flatUserdataDirectory),
                dnsmasqCommand: configuration.dnsmasqCommand, lighttpdCommand: configuration.lighttpdCommand, logger: logger)),
            VolumeSnapshotRoutes(snapshots: VolumeSnapshots(connection: connection, qemuImg: QemuImg(runner: runner),
                                                            volumePaths: volumePaths)),
        ],
        logger: logger)
    server.addCompanion(VMStateReporter(
        domainEvents: domainEvents, closes: connection.closeEvents,
        reports: VMEventReports(expected: vms.expectedEvents), identity: identity, events: server.events,
        onLost: configuration.onLibvirtLost, logger: logger))
    return server
}
