#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// Keeps dnsmasq serving the rendered files: writes them, then reloads (see `DnsmasqReload`), or
/// restarts when its configuration changed (dhcp-range is only read at start), when it is not running,
/// or after `restartAfterSignals` reloads (ZStack's `restartDnsmasqAfterNumberOfSIGUSER1`).
///
/// A SIGHUP is only sent once dnsmasq has installed its handler: before that, the default action of
/// SIGHUP ends the process. Not Sendable state: owned by the `VirtualRouter` actor.
struct DnsmasqService {
    let runner: ProcessRunner
    let paths: RouterPaths
    let reload: DnsmasqReload
    var restartAfterSignals = 500
    private(set) var signalsSinceStart = 0

    init(runner: ProcessRunner, paths: RouterPaths, reload: DnsmasqReload) {
        self.runner = runner
        self.paths = paths
        self.reload = reload
    }

    /// Started, found and stopped the way the KVM agent's flat network runs its dnsmasqs.
    private var daemon: PidFileDaemon {
        PidFileDaemon(runner: runner, executable: "dnsmasq", arguments: ["--conf-file=\(paths.dnsmasqConf)"],
                      pidFile: paths.dnsmasqPidFile, startLog: paths.startLog("dnsmasq"))
    }

    var pid: pid_t? { daemon.pid }

    mutating func apply(_ files: DnsmasqFiles) async throws {
        try Files.makeDirectories(Files.parentDirectory(of: paths.dhcpLeasesFile))
        try Files.createEmptyFileIfMissing(paths.dhcpLeasesFile)
        var changed = false
        for (content, path) in [(files.hosts, paths.dhcpHostsFile), (files.options, paths.dhcpOptionsFile),
                                (files.dnsHosts, paths.dnsHostsFile), (files.resolvConf, paths.resolvConf)] {
            changed = try Files.writeIfChanged(content, to: path) || changed
        }
        let confChanged = try Files.writeIfChanged(files.conf, to: paths.dnsmasqConf)
        // A repeated command changes no file: a running dnsmasq already serves it.
        if !changed, !confChanged, pid != nil { return }
        guard reload == .signal, let pid, !confChanged, signalsSinceStart < restartAfterSignals else {
            try await restart()
            return
        }
        try await waitUntilReady(pid)
        kill(pid, SIGHUP)
        signalsSinceStart += 1
    }

    mutating func restart() async throws {
        try paths.makeDaemonDirectories()
        try await waitUntilReady(try await daemon.restart())
        signalsSinceStart = 0
    }

    func stop() async {
        await daemon.stop()
    }

    private func waitUntilReady(_ pid: pid_t) async throws {
        guard await DaemonProcess.wait(for: .seconds(5), { DaemonProcess.catches(pid, signal: SIGHUP) }) else {
            throw RouterError.dnsmasqNotRunning("pid \(pid) never installed its SIGHUP handler")
        }
    }
}

/// How dnsmasq picks up changed files.
public enum DnsmasqReload: Sendable {
    /// SIGHUP, as ZStack does. dnsmasq 2.90 (Debian 12) crashes with SIGSEGV on SIGHUP once a guest holds
    /// a lease whose `dhcp-hostsfile` line carries a `set:` tag, which ZStack's format always has.
    case signal
    /// Stop and start: a few milliseconds without DHCP/DNS, leases kept in the lease file. Safe with
    /// every dnsmasq version.
    case restart
}
