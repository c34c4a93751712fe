import Foundation

/// One haproxy process per listener, each with its own config and pid file.
struct HaproxyService: Sendable {
    let runner: CommandRunner
    let paths: RouterPaths
    let user: String?

    func refresh(_ listener: LBListener) async throws {
        let config = paths.haproxyConfig(listener.name)
        let pidFile = paths.haproxyPidFile(listener.name)
        let changed = try FileWriter.write(HaproxyConfig.render(listener, user: user), to: config)
        let old = DaemonProcess.running(pidFile: pidFile, command: "haproxy")
        if !changed, old != nil { return }
        // -sf hands the listening socket over from the old process, which then finishes its connections.
        try await runner.startDaemon(["haproxy", "-D", "-f", config, "-p", pidFile] + (old.map { ["-sf", "\($0)"] } ?? []))
    }

    func delete(_ name: String) async {
        if let pid = DaemonProcess.running(pidFile: paths.haproxyPidFile(name), command: "haproxy") {
            await DaemonProcess.stop(pid)
        }
        FileWriter.remove(paths.haproxyPidFile(name))
        FileWriter.remove(paths.haproxyConfig(name))
    }
}
