import AgentClient
import Foundation
import HostSystem
import SSH
import Synchronization

/// Carries out one run: load and validate the releases (nothing is touched if they are bad), bootstrap new
/// hosts, decide per host, then deploy the hosts that need it batch by batch, one ansible-playbook per
/// batch and kind, recording every decision and outcome as it happens.
final class RunExecutor: Sendable {
    let deployer: Deployer
    let plan: RunPlan
    let observer: RunObserver?
    let counts = Counts()

    init(deployer: Deployer, plan: RunPlan, observer: RunObserver?) {
        self.deployer = deployer
        self.plan = plan
        self.observer = observer
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
        } catch {
            (status, message) = (.failed, "\(error)")
        }
        report(message)
        try? inventory.finishRun(runId, status: status, message: message)
        let details = try? inventory.runDetails(runId)
        pruneOldRuns()
        return details
    }

    /// Keeps the newest `runs.keep` runs and their workspaces (and every running or resumable run), so that
    /// a service upgrading by itself for months does not fill the disk. A workspace whose run is gone is
    /// removed, unless its run is newer than any this pass saw (another process may have just started it).
    private func pruneOldRuns() {
        guard let remaining = try? inventory.pruneRuns(keep: inventory.integer(Setting.runsKeep)),
              let newest = remaining.max() else { return }
        let work = deployer.configuration.workDirectory
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: work)) ?? [] {
            guard entry.hasPrefix("run-"), let id = Int64(entry.dropFirst(4).prefix(while: \.isNumber)),
                  id < newest, !remaining.contains(id) else { continue }
            try? FileManager.default.removeItem(atPath: work + "/" + entry)
        }
    }

    private func executeChecked() async throws -> (RunStatus, String) {
        report(plan.resumed ? "resuming upgrade run \(runId)" : "\(plan.run.kind.rawValue) run \(runId) started")
        let catalog = try await deployer.loadReleases()
        try? inventory.setReleases(catalog.summary, of: runId)
        report("releases: \(catalog.summary)")
        let auth = try deployer.agentAuthPlan()
        killLeftoverAnsible()

        var hosts: [HostRecord]
        var forced = plan.forced
        switch plan.request {
        case .add(let inputs, let deploy):
            hosts = await bootstrap(inputs)
            forced = Dictionary(hosts.map { ($0.uuid, "new host") }, uniquingKeysWith: { a, _ in a })
            if !deploy {
                for host in hosts { try recordOutcome(host, batch: nil, outcome: .skipped, decision: "skip", reason: "added without deploying", error: nil) }
                return try finalStatus()
            }
        case .reconnect:
            hosts = try (plan.hostUuids ?? []).compactMap { try inventory.host($0) }
        case .upgrade:
            let done = plan.resumed
                ? Set(try inventory.runHosts(runId).filter { $0.outcome == .deployed }.map(\.hostUuid)) : []
            hosts = try inventory.hosts().filter { !done.contains($0.uuid) }
        }
        counts.add(total: hosts.count)

        let decisions = await Self.decideAll(hosts, catalog: catalog, forced: forced, authFiles: auth.files,
                                             check: deployer.hostCheck, concurrency: inventory.integer(Setting.checkConcurrency))
        var queue: [HostRecord] = []
        for host in hosts {
            let decision = decisions[host.uuid]!
            switch decision {
            case .skip(let reason):
                try recordOutcome(host, batch: nil, outcome: .skipped, decision: "skip", reason: reason, error: nil)
            case .fail(let reason):
                try recordOutcome(host, batch: nil, outcome: .failed, decision: "fail", reason: reason, error: reason)
            case .deploy(let reason):
                try inventory.saveRunHost(RunHostRecord(
                    runId: runId, hostUuid: host.uuid, address: host.address, kind: host.kind, decision: "deploy",
                    reason: reason, outcome: .pending))
                queue.append(host)
            }
            report("\(host.label): \(decision.label) — \(decision.reason)")
        }
        queue.sort { ($0.kind.rawValue, $0.address, $0.sshPort) < ($1.kind.rawValue, $1.address, $1.sshPort) }

        // A resumed run goes on after its last finished batch; hosts its dead process left mid-batch are
        // decided again and deployed in the batches that follow.
        let finished = try inventory.runHosts(runId).filter { $0.outcome == .deployed || $0.outcome == .failed }
        var batchNumber = (finished.compactMap(\.batch).max() ?? 0) + 1
        while !queue.isEmpty {
            try Task.checkCancellation()
            let size = plan.run.batchSize ?? (plan.run.kind == .upgrade ? inventory.integer(Setting.batchSize) : queue.count)
            let batch = Array(queue.prefix(size))
            queue.removeFirst(batch.count)
            let failed = try await deployBatch(batch, number: batchNumber, catalog: catalog, forced: forced, auth: auth)
            let threshold = plan.run.maxFailPercent ?? inventory.integer(Setting.maxFailPercent)
            let percent = failed * 100 / batch.count
            report("batch \(batchNumber): \(batch.count - failed) deployed, \(failed) failed")
            if plan.run.kind == .upgrade, failed > 0, percent > threshold, !queue.isEmpty {
                return (.stopped, "stopped after batch \(batchNumber): \(percent)% of its hosts failed (limit \(threshold)%); "
                    + "\(queue.count) hosts not touched; run upgrade again to resume")
            }
            batchNumber += 1
        }
        return try finalStatus()
    }

    private func finalStatus() throws -> (RunStatus, String) {
        let entries = try inventory.runHosts(runId)
        let deployed = entries.count { $0.outcome == .deployed }
        let skipped = entries.count { $0.outcome == .skipped }
        let failed = entries.count { $0.outcome == .failed }
        let text = "\(deployed) deployed, \(skipped) skipped, \(failed) failed"
        return failed == 0 ? (.succeeded, text) : (.failed, text)
    }

    /// Decides for every host concurrently, at most `concurrency` at a time.
    /// `authFiles`: what every host receives beyond its release (``AgentAuthPlan/files``).
    static func decideAll(_ hosts: [HostRecord], catalog: ReleaseCatalog, forced: [String: String],
                          authFiles: [String: String], check: HostCheck, concurrency: Int) async -> [String: HostDecision] {
        await withTaskGroup(of: (String, HostDecision).self) { group in
            var decisions: [String: HostDecision] = [:]
            var next = hosts.makeIterator()
            func addNext() -> Bool {
                guard let host = next.next() else { return false }
                group.addTask {
                    (host.uuid, await check.decide(host, release: catalog.releases[host.kind], forced: forced[host.uuid],
                                                   authFiles: authFiles))
                }
                return true
            }
            for _ in 0..<max(1, concurrency) where !addNext() { break }
            while let (uuid, decision) = await group.next() {
                decisions[uuid] = decision
                _ = addNext()
            }
            return decisions
        }
    }

    func recordOutcome(_ host: HostRecord, batch: Int?, outcome: HostOutcome, decision: String?, reason: String?,
                       error: String?, tail: String? = nil, startedAt: Date? = nil) throws {
        let previous = try inventory.runHost(runId, host.uuid)
        try inventory.saveRunHost(RunHostRecord(
            runId: runId, hostUuid: host.uuid, address: host.address, kind: host.kind, batch: batch ?? previous?.batch,
            decision: decision ?? previous?.decision, reason: reason ?? previous?.reason, outcome: outcome,
            error: error, ansibleTail: tail, startedAt: startedAt ?? previous?.startedAt,
            finishedAt: outcome == .deploying || outcome == .pending ? nil : Date()))
        counts.record(outcome)
        if outcome != .deploying && outcome != .pending {
            try? inventory.updateHostStatus(host.uuid, outcome: outcome, reason: error ?? reason, runId: runId)
        }
    }

    func report(_ message: String) {
        try? inventory.appendEvent(runId, message)
        let snapshot = counts.snapshot()
        observer?(RunProgress(runId: runId, message: message, total: snapshot.total, deployed: snapshot.deployed,
                              skipped: snapshot.skipped, failed: snapshot.failed))
    }

    /// An ansible-playbook left behind by this run's previous process (killed mid-batch) would go on
    /// deploying beside the resumed run; it is stopped first. Its command line names the run's workspace.
    private func killLeftoverAnsible() {
        guard plan.resumed else { return }
        let marker = "\(deployer.configuration.workDirectory)/run-\(runId)-"
        for pid in ProcessTable.pids(commandLineContaining: marker) {
            kill(pid, SIGKILL)
            report("stopped ansible-playbook (pid \(pid)) left by the interrupted run")
        }
    }
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
