import Foundation

/// A request checked against the inventory and recorded as a run, ready to execute.
struct RunPlan: Sendable {
    var run: RunRecord
    var request: RunRequest
    /// Hosts to redeploy whatever their state, with the reason recorded.
    var forced: [String: String] = [:]
    /// The hosts this run looks at; nil means every host in the inventory (upgrade).
    var hostUuids: [String]?
    /// A stopped or interrupted upgrade taken over: its deployed hosts are done, its batch numbers go on.
    var resumed = false

    static func make(_ request: RunRequest, trigger: String = "cli", deployer: Deployer) async throws -> RunPlan {
        let inventory = deployer.inventory
        var record = RunRecord(kind: .upgrade, trigger: trigger, status: .running, ownerPid: getpid(), startedAt: Date())
        switch request {
        case .add(let inputs, _):
            guard !inputs.isEmpty else { throw DeployerError(.invalidInput, "no host to add") }
            for input in inputs {
                if let problem = input.problem() { throw DeployerError(.invalidInput, "\(input.address): \(problem)") }
                if let uuid = input.uuid, try inventory.host(uuid) != nil {
                    throw DeployerError(.invalidInput, "a host with uuid \(uuid) already exists")
                }
            }
            record.kind = .add
            return RunPlan(run: try inventory.createRun(record), request: request, hostUuids: [])
        case .reconnect(let references):
            guard !references.isEmpty else { throw DeployerError(.invalidInput, "no host to reconnect") }
            var uuids: [String] = []
            for reference in references {
                guard let host = try inventory.host(matching: reference) else {
                    throw DeployerError(.notFound, "no host \(reference)")
                }
                uuids.append(host.uuid)
            }
            record.kind = .reconnect
            let forced = Dictionary(uuids.map { ($0, "reconnect (forced redeploy)") }, uniquingKeysWith: { a, _ in a })
            return RunPlan(run: try inventory.createRun(record), request: request, forced: forced, hostUuids: uuids)
        case .upgrade(let batchSize, let maxFailPercent):
            if let batchSize, batchSize < 1 { throw DeployerError(.invalidInput, "batch size must be at least 1") }
            if let maxFailPercent, !(0...100).contains(maxFailPercent) {
                throw DeployerError(.invalidInput, "max fail percent must be within 0...100")
            }
            if let active = try inventory.activeUpgrade() {
                throw DeployerError(.busy, "upgrade run \(active.id!) is in progress (pid \(active.ownerPid))")
            }
            if var previous = try inventory.resumableUpgrade() {
                try inventory.resumeRun(previous.id!)
                previous.status = .running
                previous.batchSize = batchSize ?? previous.batchSize
                previous.maxFailPercent = maxFailPercent ?? previous.maxFailPercent
                return RunPlan(run: previous, request: request, resumed: true)
            }
            record.batchSize = batchSize
            record.maxFailPercent = maxFailPercent
            return RunPlan(run: try inventory.createRun(record), request: request)
        }
    }
}
