import AgentServer
import AgentWire
import HostSystem
import Logging

/// `/flatnetworkprovider/garp/{apply,release,settings}` (async, as gratuitousARP.py registers them): the
/// addresses this host announces with gratuitous ARP, and the settings of the bond-failover watch. Replies
/// are the bare envelope.
///
/// Unlike gratuitousARP.py, `apply` announces the addresses it is given at once (one unsolicited ARP each,
/// from the namespace device that holds the address and carries the MAC named): the MN sends it after an EIP
/// lands on this host, which is when the public network must learn where the VIP went. The Python agent
/// announces only when an active-backup bond changes its active slave; that watch is not implemented here.
struct GarpRoutes: CommandRoutes {
    let registry = GarpRegistry()
    let runner: ProcessRunner

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.applyGratuitousArp) { (command: KVM.GratuitousArpCmd, context) in
            let entries = try Self.entries(command.infos)
            try await update(command)
            await self.registry.add(entries, rebuild: command.rebuild ?? false)
            for entry in entries { try await announce(entry, logger: context.logger) }
            return EmptyReply()
        }
        registry.async(KVM.Path.releaseGratuitousArp) { (command: KVM.GratuitousArpCmd, _) in
            await self.registry.remove(try Self.entries(command.infos))
            return EmptyReply()
        }
        registry.async(KVM.Path.gratuitousArpSettings) { (command: KVM.GratuitousArpCmd, _) in
            try await update(command)
            return EmptyReply()
        }
    }

    private func update(_ command: KVM.GratuitousArpCmd) async throws {
        if let interval = command.interval, !(1...86_400).contains(interval) {
            throw InvalidField(field: "interval", value: String(interval), expected: "a number of seconds between 1 and 86400")
        }
        await registry.update(interval: command.interval, state: command.state)
    }

    /// One unsolicited ARP for `entry`, from the device of its namespace that has the address and the
    /// MAC; an entry with no such device (no namespace, or not there yet) is only remembered.
    private func announce(_ entry: GarpRegistry.Entry, logger: Logger) async throws {
        guard let namespace = entry.namespace else { return }
        let inside = IPLink(runner: runner, namespace: namespace)
        guard let links = try? await inside.links(), let addresses = try? await inside.addresses() else {
            logger.debug("no namespace to announce from", metadata: ["namespace": "\(namespace)"])
            return
        }
        let device = addresses.first { name, list in
            links[name]?.address == entry.mac && list.contains { $0.family == "inet" && $0.local == "\(entry.ip)" }
        }?.key
        guard let device else {
            logger.debug("no device holds the address", metadata: ["namespace": "\(namespace)", "ip": "\(entry.ip)"])
            return
        }
        try await ProcessRunner(defaultTimeout: .seconds(30), networkNamespace: namespace)
            .run("arping", ["-q", "-U", "-c", "1", "-I", device, "\(entry.ip)"])
    }

    /// Checks every info, naming the one at fault as `infos[i]`.
    private static func entries(_ infos: [KVM.GratuitousArpInfo]?) throws(InvalidField) -> [GarpRegistry.Entry] {
        guard let infos else { throw InvalidField(field: "infos", value: nil, expected: "a list of addresses") }
        var entries: [GarpRegistry.Entry] = []
        for (index, info) in infos.enumerated() {
            let field = "infos[\(index)]"
            entries.append(GarpRegistry.Entry(
                ip: try Validate.ipv4(info.ip, "\(field).ip"),
                mac: try Validate.mac(info.mac, "\(field).mac"),
                namespace: try info.namespace.map { name throws(InvalidField) in try Validate.identifier(name, "\(field).namespace") },
                bridge: try EipPlan.interface(info.bridgeName, "\(field).bridgeName")))
        }
        return entries
    }
}
