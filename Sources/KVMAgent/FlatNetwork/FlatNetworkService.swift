import HostSystem
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The flat network provider on this host: one namespace per L3 network with its dnsmasq and its metadata
/// server, and the ebtables rules around them. An actor for its one piece of memory (what the kernel said
/// about `--logical-in`); `FlatNetworkRoutes` runs the commands one at a time, since an actor alone would
/// interleave two commands at every `await`. What it keeps lives in files and in the kernel, so a restarted
/// agent carries on where the last one stopped.
actor FlatNetworkService {
    let namespaces: FlatNamespaces
    let paths: FlatNetworkPaths
    let runner: ProcessRunner
    /// Runs ebtables where the bridges are.
    let hostRunner: ProcessRunner
    let dnsmasqCommand: String
    let lighttpdCommand: String
    let logger: Logger
    /// Cleared when the kernel refuses `--logical-in` (see `FlatEbtables.userdata`).
    var bridgeScopedRedirects = true

    init(runner: ProcessRunner, hostNamespace: String?, paths: FlatNetworkPaths, dnsmasqCommand: String,
         lighttpdCommand: String, logger: Logger) {
        self.runner = runner
        var hostRunner = runner
        hostRunner.networkNamespace = hostNamespace
        self.hostRunner = hostRunner
        namespaces = FlatNamespaces(runner: runner, hostNamespace: hostNamespace)
        self.paths = paths
        self.dnsmasqCommand = dnsmasqCommand
        self.lighttpdCommand = lighttpdCommand
        self.logger = logger
    }

    /// A runner whose programs run inside `namespace`.
    func runner(in namespace: String) -> ProcessRunner {
        var inside = runner
        inside.networkNamespace = namespace
        return inside
    }

    func ebtables(_ rules: IptablesRuleSet) async throws {
        try await IptablesApplier(runner: hostRunner, frontend: .ebtables).apply(rules)
    }

    func dnsmasq(_ namespace: String) -> PidFileDaemon {
        let files = paths.dnsmasq(namespace)
        return PidFileDaemon(runner: runner(in: namespace), executable: dnsmasqCommand,
                             arguments: ["--conf-file=\(files.conf)"], pidFile: files.pidFile, startLog: files.startLog)
    }

    func lighttpd(_ namespace: String) -> PidFileDaemon {
        let files = paths.userdata(namespace)
        return PidFileDaemon(runner: runner(in: namespace), executable: lighttpdCommand,
                             arguments: ["-f", files.conf], pidFile: files.pidFile, startLog: files.startLog)
    }

    /// The DHCP server addresses on the namespace's inner end (all but the metadata address).
    func serverAddresses(_ namespace: String, id: Int) async throws -> [(IPv4Address, Int)] {
        try await namespaces.innerAddresses(namespace, id: id).filter { $0.0 != FlatNames.metadataAddress }
    }

    /// `/flatnetworkprovider/dhcp/connect`: the MN (re)connects the host and sends every namespace's
    /// prepare and apply next. As mevoco.py clears the host's ebtables except libvirt's and the SDN's, this
    /// clears the flat network's own chains (`ZSTACK-<address>`, `USERDATA-*`), so chains of L3 networks
    /// that left the host while the agent was away go; the following prepares put back the current ones.
    func connect() async throws {
        for table in ["filter", "nat"] {
            let save = try await hostRunner.run("ebtables-save", ["-t", table]).text
            let ours = save.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix(":"), let name = line.dropFirst().split(separator: " ").first.map(String.init) else { return nil }
                let isDhcp = name.hasPrefix("ZSTACK-") && IPv4Address(String(name.dropFirst("ZSTACK-".count))) != nil
                return isDhcp || name.hasPrefix("USERDATA-") ? name : nil
            }
            if !ours.isEmpty { try await ebtables(FlatEbtables.removal(table: table, Set(ours))) }
        }
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    static func decode<T: Decodable>(_ type: T.Type, from path: String) throws -> T? {
        guard Files.exists(path) else { return nil }
        return try JSONDecoder().decode(type, from: Data(try Files.read(path)))
    }
}
