import Foundation

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
public struct RunRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var kind: RunKind
    /// Who asked: "cli", "api", "package change".
    public var trigger: String
    public var status: RunStatus
    public var ownerPid: Int32
    /// The deployer instance running it (``Inventory/instanceId``); another instance takes a run over only
    /// once this one's lease has expired or its process is seen gone.
    public var ownerInstance: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// Fixed by the caller for this run; nil follows the `upgrade.batchSize` setting batch by batch.
    public var batchSize: Int?
    public var maxFailPercent: Int?
    /// The releases this run deploys, e.g. "kvmagent-0.2.0".
    public var releases: String?
    public var message: String?
}

/// One host in one run: the decision, the batch it went in, and what became of it.
public struct RunHostRecord: Codable, Sendable, Equatable {
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
public struct RunEventRecord: Codable, Sendable, Equatable {
    public var id: Int64?
    public var runId: Int64
    public var at: Date
    public var message: String
}

extension RunRecord: StoredRecord {
    static let table = "run"
    static let columns = ["id", "kind", "trigger", "status", "ownerPid", "ownerInstance", "startedAt", "finishedAt",
                          "batchSize", "maxFailPercent", "releases", "message"]
    static let generatedKey: String? = "id"

    init(row: SQLRow) throws {
        guard let pid = Int32(exactly: try row.integer("ownerPid")) else { throw StoreError.engine("column ownerPid is not a pid") }
        self.init(id: try row.integer("id"), kind: try row.value("kind"), trigger: try row.text("trigger"),
                  status: try row.value("status"), ownerPid: pid, ownerInstance: try row.optionalText("ownerInstance"),
                  startedAt: try row.date("startedAt"), finishedAt: try row.optionalDate("finishedAt"),
                  batchSize: try row.optionalInt("batchSize"), maxFailPercent: try row.optionalInt("maxFailPercent"),
                  releases: try row.optionalText("releases"), message: try row.optionalText("message"))
    }

    var values: [SQLValue] {
        [SQLValue(id), SQLValue(kind), .text(trigger), SQLValue(status), .integer(Int64(ownerPid)), SQLValue(ownerInstance),
         .date(startedAt), SQLValue(finishedAt), SQLValue(batchSize), SQLValue(maxFailPercent), SQLValue(releases),
         SQLValue(message)]
    }
}

extension RunHostRecord: StoredRecord {
    static let table = "runHost"
    static let columns = ["runId", "hostUuid", "address", "kind", "batch", "decision", "reason", "outcome", "error",
                          "ansibleTail", "startedAt", "finishedAt"]

    init(row: SQLRow) throws {
        // A decision written by something else reads as none (the v2 migration cleared those already there).
        let decision = (try? row.optionalValue("decision", as: HostDecision.Verdict.self)) ?? nil
        self.init(runId: try row.integer("runId"), hostUuid: try row.text("hostUuid"), address: try row.text("address"),
                  kind: try row.value("kind"), batch: try row.optionalInt("batch"), decision: decision,
                  reason: try row.optionalText("reason"), outcome: try row.value("outcome"), error: try row.optionalText("error"),
                  ansibleTail: try row.optionalText("ansibleTail"), startedAt: try row.optionalDate("startedAt"),
                  finishedAt: try row.optionalDate("finishedAt"))
    }

    var values: [SQLValue] {
        [.integer(runId), .text(hostUuid), .text(address), SQLValue(kind), SQLValue(batch), SQLValue(decision),
         SQLValue(reason), SQLValue(outcome), SQLValue(error), SQLValue(ansibleTail), SQLValue(startedAt), SQLValue(finishedAt)]
    }
}

extension RunEventRecord: StoredRecord {
    static let table = "runEvent"
    static let columns = ["id", "runId", "at", "message"]
    static let generatedKey: String? = "id"

    init(row: SQLRow) throws {
        self.init(id: try row.integer("id"), runId: try row.integer("runId"), at: try row.date("at"),
                  message: try row.text("message"))
    }

    var values: [SQLValue] { [SQLValue(id), .integer(runId), .date(at), .text(message)] }
}
