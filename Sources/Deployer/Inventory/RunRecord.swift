import Foundation
import GRDB

public enum RunKind: String, Codable, Sendable {
    /// New hosts: key bootstrap, then a first (forced) deployment.
    case add
    /// Forced redeployment of chosen hosts (ZStack's APIReconnectHost).
    case reconnect
    /// Every host whose agent files differ gets the current release, batch by batch.
    case upgrade
}

public enum RunStatus: String, Codable, Sendable {
    case running
    /// Every host deployed or skipped.
    case succeeded
    /// Finished, but some hosts failed.
    case failed
    /// A batch went over the failure threshold; the rest were not touched. Resumable.
    case stopped
    /// Its process died mid-run (seen when another process finds the owner gone). Resumable.
    case interrupted
    /// Refused before any host was touched (bad packages, a broken extension).
    case refused
}

public enum HostOutcome: String, Codable, Sendable {
    case pending
    case skipped
    case deploying
    case deployed
    case failed
}

/// One deployer run and how it ended.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"

    public var id: Int64?
    public var kind: RunKind
    /// Who asked: "cli", "api", "package change".
    public var trigger: String
    public var status: RunStatus
    public var ownerPid: Int32
    public var startedAt: Date
    public var finishedAt: Date?
    /// Fixed by the caller for this run; nil follows the `upgrade.batchSize` setting batch by batch.
    public var batchSize: Int?
    public var maxFailPercent: Int?
    /// The releases this run deploys, e.g. "kvmagent-0.2.0".
    public var releases: String?
    public var message: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// One host in one run: the decision, the batch it went in, and what became of it.
public struct RunHostRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runHost"

    public var runId: Int64
    public var hostUuid: String
    public var address: String
    public var kind: AgentKind
    public var batch: Int?
    /// What the run decided for the host (stored as "deploy", "skip" or "fail"), with `reason`.
    public var decision: HostDecision.Verdict?
    /// Why: "new host", "port open, md5 match", ...
    public var reason: String?
    public var outcome: HostOutcome
    /// Why it failed, in plain words: the failing task and its message, or the SSH error.
    public var error: String?
    /// The last lines ansible printed about this host.
    public var ansibleTail: String?
    public var startedAt: Date?
    public var finishedAt: Date?

    /// The decision with its reason, as the run took it.
    public var hostDecision: HostDecision? {
        decision.map { HostDecision($0, reason: reason ?? "") }
    }
}

/// A line of a run's progress, kept for the event stream and `GET /v1/runs/{id}`.
public struct RunEventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runEvent"

    public var id: Int64?
    public var runId: Int64
    public var at: Date
    public var message: String

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
