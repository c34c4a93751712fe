import AgentClient
import Foundation
import HostSystem
import SSH
import Synchronization

/// Carries out one `RunPlan`: load and validate the releases (nothing is touched if they are bad), bootstrap
/// the new hosts, decide per host once (`DeploymentPlan`), then deploy the hosts that need it batch by
/// batch, one ansible-playbook per batch and kind, recording every decision and outcome as it happens.
final class RunExecutor: Sendable {
    let deployer: Deployer
    let plan: RunPlan
    let observer: RunObserver?
    let counts = Counts()
    /// One SSH session per host for the whole run.
    let sessions: HostSessions

    init(deployer: Deployer, plan: RunPlan, observer: RunObserver?) {
        self.deployer = deployer
        self.plan = plan
        self.observer = observer
        sessions = HostSessions(connector: deployer.connector)
    }

    var runId: Int64 { plan.run.id! }
    var inventory: Inventory { deployer.inventory }

    func execute() async -> RunDetails? {
        let status: RunStatus
        let message: String
        do {
            (status, message) = try await executeChecked()
        } catch let error as DeployerError where error.kind == .badPackages || error.kind == .environment {
            (status, message) = (.refused, "refused before any host was touched: \(error.message)")
        } catch is CancellationError {
            (status, message) = (.interrupted, "cancelled")
        } catch let lost as RunTakenOver {
            // The run is another instance's now: its status is that instance's to write, not this one's.
            await sessions.closeAll()
            notify("\(lost)")
            return try? await inventory.runDetails(runId)
        } catch {
            (status, message) = (.failed, "\(error)")
        }
        await sessions.closeAll()
        await report(message)
        try? await inventory.finishRun(runId, status: status, message: message)
        let details = try? await inventory.runDetails(runId)
        await pruneOldRuns()
        return details
    }

    /// Keeps the newest `runs.keep` runs and their workspaces (and every running or resumable run), so that
    /// a service upgrading by itself for months does not fill the disk. A workspace whose run is gone is
    /// removed, unless its run is newer than any this pass saw (another process may have just started it).
    private func pruneOldRuns() async {
        guard let remaining = try? await inventory.pruneRuns(keep: await inventory.integer(Setting.runsKeep)),
              let newest = remaining.max() else { return }
        let work = deployer.configuration.workDirectory
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: work)) ?? [] {
            guard entry.hasPrefix("run-"), let id = Int64(entry.dropFirst(4).prefix(while: \.isNumber)),
                  id < newest, !remaining.contains(id) else { continue }
            try? FileManager.default.removeItem(atPath: work + "/" + entry)
        }
    }

    private func executeChecked() async throws -> (RunStatus, String) {
        await report(plan.resumed ? "resuming upgrade run \(runId)" : "\(plan.run.kind.rawValue) run \(runId) started")
        // The CA, and the host certificates another instance issued, as the store has them now.
        try await deployer.secrets.pull()
        let catalog = try await deployer.loadReleases()
        try? await inventory.setReleases(catalog.summary, of: runId)
        await report("releases: \(catalog.summary)")
        let auth = try await deployer.agentAuthPlan()
        await killLeftoverAnsible()

        let added = await bootstrap(plan.newHosts)
        guard plan.deploys else {
            for host in added {
                try await recordOutcome(host, batch: nil, outcome: .skipped, decision: .skip, reason: "added without deploying", error: nil)
                await sessions.finish(host.uuid)
            }
            return try await finalStatus()
        }
        let known = Dictionary(try await inventory.hosts().map { ($0.uuid, $0) }) { first, _ in first }
        let hosts = plan.hostUuids.compactMap { known[$0] } + added
        counts.add(total: hosts.count)

        // A resumed run goes on after its last finished batch.
        let finished = try await inventory.runHosts(runId).filter { $0.outcome == .deployed || $0.outcome == .failed }
        var deployment = try await AgentConnections.with(auth) { agents in
            await deployer.plan(hosts, forced: plan.forced, catalog: catalog, auth: auth, sessions: sessions, agents: agents,
                                firstBatchNumber: (finished.compactMap(\.batch).max() ?? 0) + 1)
        }
        try await record(deployment)

        while let batch = deployment.nextBatch(size: await plan.batchSize.resolve(inventory, remaining: deployment.queue.count)) {
            try Task.checkCancellation()
            let failed = try await deployBatch(batch, catalog: catalog, restarts: deployment.restarts, auth: auth)
            await report("batch \(batch.number): \(batch.hosts.count - failed) deployed, \(failed) failed")
            let percent = failed * 100 / batch.hosts.count
            if let threshold = await plan.failureLimit.percent(inventory), failed > 0, percent > threshold, !deployment.queue.isEmpty {
                return (.stopped, "stopped after batch \(batch.number): \(percent)% of its hosts failed (limit \(threshold)%); "
                    + "\(deployment.queue.count) hosts not touched; run upgrade again to resume")
            }
        }
        return try await finalStatus()
    }

    /// Records every decision before the first batch, in one transaction; a host skipped or failed is done with.
    private func record(_ deployment: DeploymentPlan) async throws {
        let previous = Dictionary(try await inventory.runHosts(runId).map { ($0.hostUuid, $0) }) { first, _ in first }
        let now = Date()
        var entries: [RunHostRecord] = []
        var events: [String] = []
        for entry in deployment.entries {
            let (host, decision) = (entry.host, entry.decision)
            let outcome: HostOutcome = switch decision {
            case .skip: .skipped
            case .fail: .failed
            case .deploy: .pending
            }
            let earlier = outcome == .pending ? nil : previous[host.uuid]
            entries.append(RunHostRecord(
                runId: runId, hostUuid: host.uuid, address: host.address, kind: host.kind, batch: earlier?.batch,
                decision: decision.verdict, reason: decision.reason, outcome: outcome,
                error: outcome == .failed ? decision.reason : nil, startedAt: earlier?.startedAt,
                finishedAt: outcome == .pending ? nil : now))
            events.append("\(host.label): \(decision.verdict.rawValue) — \(decision.reason)")
        }
        try await inventory.recordDecisions(entries, events: events)
        for (entry, event) in zip(entries, events) {
            counts.record(entry.outcome)
            if entry.outcome != .pending { await sessions.finish(entry.hostUuid) }
            notify(event)
        }
    }

    private func finalStatus() async throws -> (RunStatus, String) {
        let entries = try await inventory.runHosts(runId)
        let deployed = entries.count { $0.outcome == .deployed }
        let skipped = entries.count { $0.outcome == .skipped }
        let failed = entries.count { $0.outcome == .failed }
        let text = "\(deployed) deployed, \(skipped) skipped, \(failed) failed"
        return failed == 0 ? (.succeeded, text) : (.failed, text)
    }

    func recordOutcome(_ host: HostRecord, batch: Int?, outcome: HostOutcome, decision: HostDecision.Verdict?, reason: String?,
                       error: String?, tail: String? = nil, startedAt: Date? = nil) async throws {
        let previous = try await inventory.runHost(runId, host.uuid)
        try await inventory.saveRunHost(RunHostRecord(
            runId: runId, hostUuid: host.uuid, address: host.address, kind: host.kind, batch: batch ?? previous?.batch,
            decision: decision ?? previous?.decision, reason: reason ?? previous?.reason, outcome: outcome,
            error: error, ansibleTail: tail, startedAt: startedAt ?? previous?.startedAt,
            finishedAt: outcome == .deploying || outcome == .pending ? nil : Date()))
        counts.record(outcome)
        if outcome != .deploying && outcome != .pending {
            try? await inventory.updateHostStatus(host.uuid, outcome: outcome, reason: error ?? reason, runId: runId)
        }
    }

    func report(_ message: String) async {
        try? await inventory.appendEvent(runId, message)
        notify(message)
    }

    /// Tells the observer of an event already stored.
    private func notify(_ message: String) {
        let snapshot = counts.snapshot()
        observer?(RunProgress(runId: runId, message: message, total: snapshot.total, deployed: snapshot.deployed,
                              skipped: snapshot.skipped, failed: snapshot.failed))
    }

    /// An ansible-playbook left behind by this run's previous process (killed mid-batch) would go on
    /// deploying beside the resumed run; it is stopped first. Its command line names the run's workspace.
    private func killLeftoverAnsible() async {
        guard plan.resumed else { return }
        let marker = "\(deployer.configuration.workDirectory)/run-\(runId)-"
        for pid in ProcessTable.pids(commandLineContaining: marker) {
            kill(pid, SIGKILL)
            await report("stopped ansible-playbook (pid \(pid)) left by the interrupted run")
        }
    }
}

/// This instance could not renew its lease long enough for another instance to interrupt its run and take
/// it over; the batch it was about to deploy is left to the new owner.
struct RunTakenOver: Error, CustomStringConvertible {
    let runId: Int64
    var description: String { "run \(runId) was taken over by another instance; this one stops" }
}

/// The run's running totals, for progress lines.
final class Counts: Sendable {
    struct Snapshot { var total = 0, deployed = 0, skipped = 0, failed = 0 }
    private let state = Mutex(Snapshot())

    func add(total: Int) { state.withLock { $0.total += total } }

    func record(_ outcome: HostOutcome) {
        state.withLock {
            switch outcome {
            case .deployed: $0.deployed += 1
            case .skipped: $0.skipped += 1
            case .failed: $0.failed += 1
            case .pending, .deploying: break
            }
        }
    }

    func snapshot() -> Snapshot { state.withLock { $0 } }
}
