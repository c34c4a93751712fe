import Foundation

/// Where `ca rotate` left things.
public struct RotationOutcome: Sendable {
    /// The old CA is gone: every host trusts the new one only, and the client certificate is the new CA's.
    public var finished: Bool
    public var message: String
    /// The upgrade runs it started, in order.
    public var runs: [Int64]
}

extension Deployer {
    /// Replaces the CA without a moment in which the deployer (or the MN with the client certificate)
    /// cannot talk to an agent:
    ///
    /// 1. a new CA; the bundle becomes old+new; an upgrade run redeploys every host (the bundle changed)
    ///    with a certificate from the new CA. Hosts not yet done trust the old CA, which still signs the client.
    /// 2. only once every host holds old+new: the client certificate becomes the new CA's, the bundle the new
    ///    CA alone, and a second upgrade run redeploys every host with it.
    /// 3. once every host holds the new bundle: the new CA replaces the old in `ca/`.
    ///
    /// The runs are ordinary upgrade runs (batches, `upgrade.maxFailPercent`, resumable). A step that leaves
    /// hosts behind stops the rotation where it is; running it again resumes, on whichever instance of the
    /// store: each step is shared as it is taken, and a step based on a state another instance moved on
    /// from is refused (see ``SharedSecrets``).
    public func rotateCA(observer: RunObserver? = nil) async throws -> RotationOutcome {
        try await secrets.pull()
        guard case .mutualTLS = try await agentAuthPlan().mode else {
            throw DeployerError(.invalidInput, "agents do not use mutual TLS (agent.auth): nothing to rotate")
        }
        if let active = try await inventory.activeUpgrade() {
            throw DeployerError(.busy, "upgrade run \(active.id!) is in progress (\(active.ownerDescription)); rotate after it")
        }
        let trust = self.trust
        var state = try await secrets.change([caGroup]) { try trust.beginRotation() }
        var runs: [Int64] = []
        while true {
            let pending = try await spreadCurrentBundle(runs: &runs, observer: observer)
            guard pending.isEmpty else {
                // A host that failed says why, so that "fix them" has something to start from.
                let names = pending.prefix(10).map { host in
                    host.lastOutcome == .failed ? "\(host.label): \(host.lastReason ?? "failed")" : host.label
                }.joined(separator: ", ")
                return RotationOutcome(
                    finished: false,
                    message: "rotation stopped in phase \(state.phase.explanation): \(pending.count) hosts do not hold "
                        + "the bundle yet (\(names)\(pending.count > 10 ? ", ..." : "")); fix or remove them and run `ca rotate` again",
                    runs: runs)
            }
            switch state.phase {
            case .spreading:
                state = try await secrets.change([caGroup]) { [state] in try trust.switchClient(state) }
            case .dropping:
                try await secrets.change([caGroup]) { try trust.finishRotation() }
                return RotationOutcome(finished: true, message: "rotation finished: every host trusts only the new CA", runs: runs)
            }
        }
    }

    /// Upgrade runs until every host holds the current bundle, or a run leaves some behind. A second run
    /// only when the first succeeded and hosts are still missing (it resumed an older stopped upgrade).
    private func spreadCurrentBundle(runs: inout [Int64], observer: RunObserver?) async throws -> [HostRecord] {
        for _ in 0..<2 {
            if try await hostsWithoutCurrentBundle().isEmpty { return [] }
            let details = try await run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "ca-rotate", observer: observer)
            runs.append(details.run.id!)
            if details.run.status != .succeeded { break }
        }
        return try await hostsWithoutCurrentBundle()
    }
}
