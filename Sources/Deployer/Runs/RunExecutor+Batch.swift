import AgentClient
import AgentWire
import Foundation
import SSH

extension RunExecutor {
    /// Deploys one batch: leases its hosts, one ansible-playbook per kind (kinds side by side), echoes every
    /// host ansible succeeded on, and records each outcome. Returns how many hosts failed.
    func deployBatch(_ planned: DeploymentPlan.Batch, catalog: ReleaseCatalog, restarts: Set<String>,
                     auth: AgentAuthPlan) async throws -> Int {
        let uuids = planned.hosts.map(\.uuid)
        let leases = try await inventory.acquireLeases(uuids, runId: runId)
        if leases.runLost { throw RunTakenOver(runId: runId) }
        do {
            let failed = try await deployLeased(planned, busy: leases.busy, catalog: catalog, restarts: restarts, auth: auth)
            try? await inventory.releaseLeases(uuids, runId: runId)
            return failed
        } catch {
            try? await inventory.releaseLeases(uuids, runId: runId)
            throw error
        }
    }

    private func deployLeased(_ planned: DeploymentPlan.Batch, busy: [String: Int64], catalog: ReleaseCatalog,
                              restarts: Set<String>, auth: AgentAuthPlan) async throws -> Int {
        let (batch, number) = (planned.hosts, planned.number)
        var failed = 0
        var members: [HostRecord] = []
        for host in batch {
            if let holder = busy[host.uuid] {
                let reason = "being deployed by run \(holder); not deployed twice at once"
                try await recordOutcome(host, batch: number, outcome: .failed, decision: nil, reason: nil, error: reason)
                failed += 1
            } else {
                try await recordOutcome(host, batch: number, outcome: .deploying, decision: nil, reason: nil, error: nil,
                                  startedAt: Date())
                members.append(host)
            }
        }
        await report("batch \(number): deploying \(members.count) hosts: \(members.map(\.label).joined(separator: ", "))")
        let byKind = Dictionary(grouping: members, by: \.kind)
        let results = await withTaskGroup(of: [String: AnsibleBatch.Result].self) { group in
            for (kind, hosts) in byKind {
                group.addTask {
                    await self.runAnsible(kind, hosts: hosts, batch: number, catalog: catalog, restarts: restarts, auth: auth)
                }
            }
            var all: [String: AnsibleBatch.Result] = [:]
            for await results in group { all.merge(results) { $1 } }
            return all
        }
        let outcomes = try await AgentConnections.with(auth) { agents in
            await withTaskGroup(of: (HostRecord, AnsibleBatch.Result).self) { group in
                for host in members {
                    let result = results[host.uuid] ?? AnsibleBatch.Result(succeeded: false, error: "no result", tail: "")
                    group.addTask { (host, await self.settle(host, result, release: catalog.releases[host.kind]!, agents: agents)) }
                }
                var outcomes: [(HostRecord, AnsibleBatch.Result)] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
        }
        for (host, result) in outcomes {
            if result.succeeded {
                let release = catalog.releases[host.kind]!
                try await inventory.recordDeployed(host.uuid, files: release.files.merging(auth.files) { release, _ in release })
                try await recordOutcome(host, batch: number, outcome: .deployed, decision: nil, reason: nil, error: nil,
                                  tail: result.tail)
                try await inventory.updateHostStatus(host.uuid, outcome: .deployed, reason: "deployed \(release.releaseName)",
                                               runId: runId, deployedVersion: release.version)
                await report("\(host.label): deployed \(release.releaseName)")
            } else {
                failed += 1
                try await recordOutcome(host, batch: number, outcome: .failed, decision: nil, reason: nil, error: result.error,
                                  tail: result.tail)
                await report("\(host.label): FAILED — \(result.error ?? "unknown")")
            }
        }
        return failed
    }

    /// A host whose TLS files cannot be staged fails alone; the others go to ansible.
    private func runAnsible(_ kind: AgentKind, hosts: [HostRecord], batch: Int, catalog: ReleaseCatalog,
                            restarts: Set<String>, auth: AgentAuthPlan) async -> [String: AnsibleBatch.Result] {
        let configuration = deployer.configuration
        let runner = AnsibleBatch(
            ansiblePlaybook: configuration.ansiblePlaybook, key: deployer.key,
            forks: min(hosts.count, await inventory.integer(Setting.forks)), timeout: configuration.ansibleTimeout)
        let extra = (try? await inventory.ansibleVariables()) ?? [:]
        let workspace = "\(configuration.workDirectory)/run-\(runId)-batch-\(batch)-\(kind.rawValue)"
        var (members, results) = await stage(hosts, workspace: workspace, restarts: restarts, auth: auth)
        guard !members.isEmpty else { return results }
        defer { auth.removeStagedKeys(workspace: workspace) }
        let release = catalog.releases[kind]!
        let push = TarballPush(sessions: sessions, concurrency: await inventory.integer(Setting.pushConcurrency))
        var started = ContinuousClock.now
        let pushed = await push.push(release, to: members.map(\.host))
        await report("batch \(batch): \(kind.rawValue) tarballs pushed to \(pushed.transferred) of \(members.count) hosts "
            + "in \(Self.seconds(since: started)) s (\(push.concurrency) at a time)")
        for (uuid, error) in pushed.failures {
            results[uuid] = AnsibleBatch.Result(succeeded: false, error: error, tail: "")
        }
        members = members.compactMap { member in
            pushed.variables[member.host.uuid].map { variables in
                var member = member
                member.variables.merge(variables) { $1 }
                return member
            }
        }
        guard !members.isEmpty else { return results }
        started = ContinuousClock.now
        let ran = await runner.run(members, release: release, catalog: catalog, extraVariables: extra,
                                   workspace: workspace)
        await report("batch \(batch): \(kind.rawValue) ansible-playbook on \(members.count) hosts took \(Self.seconds(since: started)) s")
        return results.merging(ran) { $1 }
    }

    /// Each host's TLS files in the workspace. The certificates issued for them are shared before any host
    /// receives one, so that whichever instance deploys a host next reuses the certificate the host holds
    /// (a new one would restart its agent); when they cannot be shared, the batch fails rather than leave
    /// the other instances without them.
    private func stage(_ hosts: [HostRecord], workspace: String, restarts: Set<String>, auth: AgentAuthPlan) async
        -> (members: [AnsibleBatch.Member], failures: [String: AnsibleBatch.Result]) {
        let reissue = plan.reissuesCertificates
        let dataDirectory = deployer.configuration.dataDirectory
        do {
            return try await deployer.secrets.change(hosts.map { .hostCertificate($0.uuid, in: dataDirectory) }) {
                var members: [AnsibleBatch.Member] = []
                var failures: [String: AnsibleBatch.Result] = [:]
                for host in hosts {
                    do {
                        let variables = try auth.stage(host, workspace: workspace, reissue: reissue)
                        members.append(AnsibleBatch.Member(host: host, restart: restarts.contains(host.uuid), variables: variables))
                    } catch {
                        failures[host.uuid] = AnsibleBatch.Result(succeeded: false, error: "\(error)", tail: "")
                    }
                }
                return (members, failures)
            }
        } catch {
            auth.removeStagedKeys(workspace: workspace)
            let failure = AnsibleBatch.Result(succeeded: false, error: "the host certificates cannot be shared: \(error)", tail: "")
            return ([], Dictionary(uniqueKeysWithValues: hosts.map { ($0.uuid, failure) }))
        }
    }

    /// After ansible: a host it succeeded on must answer its echo, with the release just deployed; a host
    /// that failed either way has its remote tarball removed and its record forgotten, so the next pass
    /// redeploys it. The run is then done with the host's SSH session.
    private func settle(_ host: HostRecord, _ result: AnsibleBatch.Result, release: AgentRelease,
                        agents: AgentConnections) async -> AnsibleBatch.Result {
        let settled = await verify(host, result, release: release, agents: agents)
        await sessions.finish(host.uuid)
        return settled
    }

    private func verify(_ host: HostRecord, _ result: AnsibleBatch.Result, release: AgentRelease,
                        agents: AgentConnections) async -> AnsibleBatch.Result {
        var result = result
        if result.succeeded {
            let timeout = Duration.seconds(await inventory.integer(Setting.echoTimeout))
            do {
                try await agents.client(for: host).waitForEcho(host.kind.echoPath, timeout: timeout)
                let running = try await agents.client(for: host).version()
                let expected = AgentVersion(agent: host.kind.agentName, version: release.version)
                if running == expected { return result }
                result.succeeded = false
                result.error = "ansible succeeded but the agent answering on port \(host.agentPort) runs "
                    + "\(running.agent) \(running.version), not the deployed \(release.releaseName)\(await diagnostics(host))"
            } catch {
                result.succeeded = false
                result.error = "ansible succeeded but the agent does not answer: \(error)\(await diagnostics(host))"
            }
        }
        try? await inventory.forgetDeployed(host.uuid)
        _ = try? await sessions.exec(["rm", "-f", "--", release.remoteTarball(on: host)], on: host)
        return result
    }

    /// Wall time since `start` as the run's events show it ("12.3").
    static func seconds(since start: ContinuousClock.Instant) -> String {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return String(format: "%.1f", Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// The agent's init-script status and log tail, so that "does not answer" comes with its cause.
    private func diagnostics(_ host: HostRecord) async -> String {
        let agent = host.kind.agentName
        let initScript = host.variable("initd_dir", default: "/etc/init.d") + "/zstack-\(agent)"
        let defaults = host.variable("defaults_dir", default: "/etc/default") + "/zstack-\(agent)"
        let log = host.variable("log_dir", default: "/var/log/zstack") + "/zstack-\(agent).log"
        let status = try? await sessions.exec(["env", "ZSTACK_AGENT_DEFAULTS=\(defaults)", initScript, "status"], on: host)
        let tail = try? await sessions.exec(["tail", "-n", "15", log], on: host)
        return "\n  init script status: \((status?.stdoutText ?? "?").trimmingCharacters(in: .whitespacesAndNewlines))"
            + "\n  \(log) ends with:\n\(tail?.stdoutText ?? "(unreadable)")"
    }
}
