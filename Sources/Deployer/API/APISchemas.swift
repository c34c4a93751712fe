import Foundation

// The deployer's records as the document's schemas (the types generated from openapi.yaml), and the
// document's host input as the deployer's. The enums are converted with switches, so a case added on
// either side without the other is a compile error rather than a reply the document does not describe.

extension HostInput {
    init(_ input: Components.Schemas.HostInput) {
        self.init(address: input.address, sshPort: input.sshPort, user: input.user, password: input.password,
                  privateKeyPath: input.privateKeyPath, kind: input.kind.map(AgentKind.init), agentPort: input.agentPort,
                  name: input.name, uuid: input.uuid, become: input.become, storePassword: input.storePassword,
                  variables: input.variables?.additionalProperties, hostKeyFingerprint: input.hostKeyFingerprint)
    }
}

extension AgentKind {
    init(_ kind: Components.Schemas.AgentKind) {
        self = switch kind {
        case .kvm: .kvm
        case .sftpbackupstorage: .sftpbackupstorage
        case .virtualrouter: .virtualrouter
        }
    }
}

extension Components.Schemas.AgentKind {
    init(_ kind: AgentKind) {
        self = switch kind {
        case .kvm: .kvm
        case .sftpbackupstorage: .sftpbackupstorage
        case .virtualrouter: .virtualrouter
        }
    }
}

extension Components.Schemas.HostOutcome {
    init(_ outcome: HostOutcome) {
        self = switch outcome {
        case .pending: .pending
        case .skipped: .skipped
        case .deploying: .deploying
        case .deployed: .deployed
        case .failed: .failed
        }
    }
}

extension Components.Schemas.RunKind {
    init(_ kind: RunKind) {
        self = switch kind {
        case .add: .add
        case .reconnect: .reconnect
        case .upgrade: .upgrade
        }
    }
}

extension Components.Schemas.RunStatus {
    init(_ status: RunStatus) {
        self = switch status {
        case .running: .running
        case .succeeded: .succeeded
        case .failed: .failed
        case .stopped: .stopped
        case .interrupted: .interrupted
        case .refused: .refused
        }
    }
}

extension Components.Schemas.HostSummary {
    init(_ host: HostSummary) {
        self.init(
            uuid: host.uuid, name: host.name, address: host.address, sshPort: host.sshPort, user: host.user,
            kind: .init(host.kind), agentPort: host.agentPort, privateKeyPath: host.privateKeyPath,
            become: host.become, hostKeyFingerprint: host.hostKeyFingerprint, hostKey: host.hostKey,
            variables: .init(additionalProperties: host.variables), addedAt: host.addedAt,
            deployedVersion: host.deployedVersion, lastOutcome: host.lastOutcome.map { .init($0) },
            lastReason: host.lastReason, lastRunId: host.lastRunId, lastChangeAt: host.lastChangeAt,
            passwordStored: host.passwordStored)
    }
}

extension Components.Schemas.RunRecord {
    init(_ run: RunRecord) {
        // Records read from the inventory have their row id.
        self.init(id: run.id!, kind: .init(run.kind), trigger: run.trigger, status: .init(run.status),
                  ownerPid: run.ownerPid, ownerInstance: run.ownerInstance, startedAt: run.startedAt, finishedAt: run.finishedAt,
                  batchSize: run.batchSize, maxFailPercent: run.maxFailPercent, releases: run.releases,
                  message: run.message)
    }
}

extension Components.Schemas.RunHostRecord {
    init(_ host: RunHostRecord) {
        let decision: DecisionPayload? = switch host.decision {
        case .deploy: .deploy
        case .skip: .skip
        case .fail: .fail
        case nil: nil
        }
        self.init(runId: host.runId, hostUuid: host.hostUuid, address: host.address, kind: .init(host.kind),
                  batch: host.batch, decision: decision, reason: host.reason, outcome: .init(host.outcome),
                  error: host.error, ansibleTail: host.ansibleTail, startedAt: host.startedAt,
                  finishedAt: host.finishedAt)
    }
}

extension Components.Schemas.RunEventRecord {
    init(_ event: RunEventRecord) {
        self.init(id: event.id!, runId: event.runId, at: event.at, message: event.message)
    }
}

extension Components.Schemas.RunDetails {
    init(_ details: RunDetails) {
        self.init(
            run: .init(details.run), hosts: details.hosts.map { .init($0) },
            batches: details.batches.map { .init(number: $0.number, hosts: $0.hosts, deployed: $0.deployed, failed: $0.failed) },
            events: details.events.map { .init($0) })
    }
}
