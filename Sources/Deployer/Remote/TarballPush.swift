import Foundation
import SSH

/// Puts a release's tarball on the hosts of a batch before ansible runs, over each host's run session (SFTP,
/// a bounded number of hosts at a time): ansible's own copy costs a module run, a checksum of the tarball per
/// host on this machine and a transfer through a fresh `sftp` process per host, which on a 50-host batch cost
/// more than every other task together. The playbook then only checks the pushed file's MD5 and moves it into
/// place (Playbooks/tasks/agent.yaml, "Move the pushed tarball into place").
///
/// The file goes to the login user's home (`.zstack-deploy/<host uuid>/`): a login that uses sudo cannot
/// write into the install root, and the host's uuid keeps two hosts that share a home apart. A host whose
/// tarball is in place already (a forced redeploy) receives nothing; the variable then names that copy.
struct TarballPush: Sendable {
    /// The playbook variables the deployer sets for a pushed host.
    static let pushedVariable = "agent_pushed_tarball"
    static let md5Variable = "agent_pkg_md5"

    var sessions: HostSessions
    var concurrency: Int

    struct Outcome: Sendable {
        /// uuid → the variables for the host's inventory entry.
        var variables: [String: [String: String]] = [:]
        /// uuid → why the push failed; such a host is not given to ansible.
        var failures: [String: String] = [:]
        var transferred = 0
    }

    /// One host's push: where the tarball is on the host and whether it was sent, or why it failed.
    private struct Pushed: Sendable {
        var uuid: String
        var path = ""
        var sent = false
        var failure: String?
    }

    func push(_ release: AgentRelease, to hosts: [HostRecord]) async -> Outcome {
        await withTaskGroup(of: Pushed.self) { group in
            var outcome = Outcome()
            func collect(_ pushed: Pushed) {
                if let failure = pushed.failure {
                    outcome.failures[pushed.uuid] = "pushing \(release.tarballName) over SFTP failed: \(failure)"
                } else {
                    outcome.variables[pushed.uuid] = [Self.pushedVariable: pushed.path, Self.md5Variable: release.tarball.md5]
                    if pushed.sent { outcome.transferred += 1 }
                }
            }
            for (index, host) in hosts.enumerated() {
                if index >= max(1, concurrency), let done = await group.next() { collect(done) }
                group.addTask {
                    do {
                        let (path, sent) = try await push(release, to: host)
                        return Pushed(uuid: host.uuid, path: path, sent: sent)
                    } catch {
                        return Pushed(uuid: host.uuid, failure: "\(error)")
                    }
                }
            }
            for await done in group { collect(done) }
            return outcome
        }
    }

    private func push(_ release: AgentRelease, to host: HostRecord) async throws -> (path: String, sent: Bool) {
        let placed = release.remoteTarball(on: host)
        let existing = try await sessions.exec(["md5sum", "--", placed], on: host)
        if FileMD5.parse(existing.stdoutText)[placed] == release.tarball.md5 { return (placed, false) }
        let session = try await sessions.session(for: host)
        // The login directory, not sudo's: the file is the login user's until the playbook moves it.
        let home = try await session.exec(["pwd"], timeout: .seconds(30)).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard home.hasPrefix("/") else {
            throw DeployerError(.environment, "the login directory of \(host.user) is \(home.debugDescription), not an absolute path")
        }
        let directory = "\(home == "/" ? "" : home)/.zstack-deploy/\(host.uuid)"
        let staged = "\(directory)/\(release.tarballName)"
        try await session.makeDirectories(directory, permissions: 0o700)
        do {
            try await session.upload(local: release.tarball.path, to: staged, permissions: 0o644)
        } catch {
            try? await session.removeFile(staged)
            throw error
        }
        return (staged, true)
    }
}
