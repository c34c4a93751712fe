import HostSystem

/// One haproxy process per listener, each with its own config and pid file.
struct HaproxyService: Sendable {
    let runner: ProcessRunner
    let paths: RouterPaths
    let user: String?

    func refresh(_ listener: LBListener) async throws {
        let config = paths.haproxyConfig(listener.name)
        let pidFile = paths.haproxyPidFile(listener.name)
        let changed = try Files.writeIfChanged(HaproxyConfig.render(listener, user: user), to: config)
        let old = DaemonProcess.running(pidFile: pidFile, command: "haproxy")
        if !changed, old != nil { return }
        // -sf hands the listening socket over from the old process, which then finishes its connections.
        try paths.makeDaemonDirectories()
        try await runner.startDaemon("haproxy", ["-D", "-f", config, "-p", pidFile] + (old.map { ["-sf", "\($0)"] } ?? []),
                                     logFile: paths.startLog("haproxy-\(listener.name)"))
    }

    func delete(_ name: String) async throws {
        if let pid = DaemonProcess.running(pidFile: paths.haproxyPidFile(name), command: "haproxy") {
            await DaemonProcess.stop(pid)
        }
        try Files.removeFile(paths.haproxyPidFile(name))
        try Files.removeFile(paths.haproxyConfig(name))
    }
}
