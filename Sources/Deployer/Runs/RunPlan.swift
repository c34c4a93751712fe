import Foundation

/// Why every host of a run is redeployed whatever its state.
enum ForcedReason: String, Sendable {
    case newHost = "new host"
    case reconnect = "reconnect (forced redeploy)"
}

/// How many hosts go into each batch.
enum BatchSize: Sendable, Equatable {
    /// One batch (add, reconnect).
    case all
    case fixed(Int)
    /// `upgrade.batchSize`, read before each batch: a change made while the run goes on applies to the next.
    case setting

    func resolve(_ inventory: Inventory, remaining: Int) async -> Int {
        switch self {
        case .all: remaining
        case .fixed(let size): size
        case .setting: await inventory.integer(Setting.batchSize)
        }
    }
}

/// When a run stops before its remaining batches.
enum FailureLimit: Sendable, Equatable {
    case never
    /// More than this percentage of a batch's hosts failed.
    case fixed(Int)
    /// `upgrade.maxFailPercent`, read after each batch.
    case setting

    func percent(_ inventory: Inventory) async -> Int? {
        switch self {
        case .never: nil
        case .fixed(let percent): percent
        case .setting: await inventory.integer(Setting.maxFailPercent)
        }
    }
}

/// A request interpreted once, checked against the inventory and recorded as a run: which hosts it looks
/// at, which it adds first, why it forces them, and how it batches. The executor carries it out and never
/// looks at the request again.
struct RunPlan: Sendable {
    var run: RunRecord
    /// A stopped or interrupted upgrade taken over: its deployed hosts are done, its batch numbers go on.
    var resumed = false
    /// Hosts to bootstrap into the inventory first (add); those added join `hostUuids`.
    var newHosts: [HostInput] = []
    /// The inventory's hosts the run looks at, resolved when the run is made.
    var hostUuids: [String] = []
    var forced: ForcedReason?
    /// false: add the new hosts without deploying them.
    var deploys = true
    /// Reconnect is ZStack's "fix this host": it also gets a new certificate.
    var reissuesCertificates = false
    var batchSize = BatchSize.all
    var failureLimit = FailureLimit.never

    static func make(_ request: RunRequest, trigger: String = "cli", deployer: Deployer) async throws -> RunPlan {
        let inventory = deployer.inventory
        // The inventory makes it this instance's when it records it.
        var record = RunRecord(kind: .upgrade, trigger: trigger, status: .running, ownerPid: getpid(), startedAt: Date())
        switch request {
        case .add(let inputs, let deploy):
            guard !inputs.isEmpty else { throw DeployerError(.invalidInput, "no host to add") }
            for input in inputs {
                if let problem = input.problem() { throw DeployerError(.invalidInput, "\(input.address): \(problem)") }
                if let uuid = input.uuid, try await inventory.host(uuid) != nil {
                    throw DeployerError(.invalidInput, "a host with uuid \(uuid) already exists")
                }
            }
            record.kind = .add
            return RunPlan(run: try await inventory.createRun(record), newHosts: inputs, forced: .newHost, deploys: deploy)
        case .reconnect(let references):
            guard !references.isEmpty else { throw DeployerError(.invalidInput, "no host to reconnect") }
            var uuids: [String] = []
            for reference in references {
                guard let host = try await inventory.host(matching: reference) else {
                    throw DeployerError(.notFound, "no host \(reference)")
                }
                if !uuids.contains(host.uuid) { uuids.append(host.uuid) }
            }
            record.kind = .reconnect
            return RunPlan(run: try await inventory.createRun(record), hostUuids: uuids, forced: .reconnect,
                           reissuesCertificates: true)
        case .upgrade(let batchSize, let maxFailPercent):
            if let batchSize, batchSize < 1 { throw DeployerError(.invalidInput, "batch size must be at least 1") }
            if let maxFailPercent, !(0...100).contains(maxFailPercent) {
                throw DeployerError(.invalidInput, "max fail percent must be within 0...100")
            }
            if try await inventory.activeUpgrade() != nil { throw try await inventory.upgradeBusy() }
            var resumed = false
            if var previous = try await inventory.resumableUpgrade() {
                // Another instance may take it over first, or start another upgrade: then this one is busy.
                guard try await inventory.resumeRun(previous.id!) else { throw try await inventory.upgradeBusy() }
                previous.status = .running
                previous.ownerPid = getpid()
                previous.ownerInstance = inventory.instanceId
                previous.batchSize = batchSize ?? previous.batchSize
                previous.maxFailPercent = maxFailPercent ?? previous.maxFailPercent
                record = previous
                resumed = true
            } else {
                record.batchSize = batchSize
                record.maxFailPercent = maxFailPercent
                record = try await inventory.createRun(record)
            }
            // A resumed run's deployed hosts are done; hosts its dead process left mid-batch are looked at again.
            let done = resumed ? Set(try await inventory.runHosts(record.id!).filter { $0.outcome == .deployed }.map(\.hostUuid)) : []
            return RunPlan(run: record, resumed: resumed,
                           hostUuids: try await inventory.hosts().map(\.uuid).filter { !done.contains($0) },
                           batchSize: record.batchSize.map(BatchSize.fixed) ?? .setting,
                           failureLimit: record.maxFailPercent.map(FailureLimit.fixed) ?? .setting)
        }
    }
}
