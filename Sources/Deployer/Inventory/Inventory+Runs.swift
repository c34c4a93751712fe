import Foundation
import HostSystem

/// A run with its hosts and events, as `GET /v1/runs/{id}` and `status` show it.
public struct RunDetails: Codable, Sendable, Equatable {
    public struct Batch: Codable, Sendable, Equatable {
        public var number: Int
        public var hosts: [String]
        public var deployed: Int
        public var failed: Int
    }

    public var run: RunRecord
    public var hosts: [RunHostRecord]
    public var batches: [Batch]
    public var events: [RunEventRecord]
}

extension Inventory {
    /// Records a new run as this instance's. An upgrade while another one runs anywhere on the store is
    /// refused by the engine (the `runOneUpgrade` index), whichever instance asks.
    func createRun(_ run: RunRecord) async throws -> RunRecord {
        var run = run
        run.ownerPid = instance.pid
        run.ownerInstance = instance.id
        run.id = try await write(run.insert, duplicate: upgradeBusy).first?.integer("id")
        return run
    }

    /// The error for a second upgrade, naming the one in progress.
    func upgradeBusy() async throws -> DeployerError {
        guard let active = try await activeUpgrade() else {
            return DeployerError(.busy, "another upgrade run is in progress")
        }
        return DeployerError(.busy, "upgrade run \(active.id!) is in progress (\(active.ownerDescription))")
    }

    func finishRun(_ id: Int64, status: RunStatus, message: String?) async throws {
        _ = try await write([
            SQLStatement("UPDATE run SET status = ?, message = ?, finishedAt = ? WHERE id = ?",
                         [SQLValue(status), SQLValue(message), .date(Date()), .integer(id)]),
            SQLStatement("DELETE FROM hostLease WHERE runId = ?", [.integer(id)]),
        ])
    }

    /// Deletes the runs (with their hosts and events) older than the newest `keep`, except those running or
    /// resumable (stopped, interrupted); returns the ids of the runs that remain.
    func pruneRuns(keep: Int) async throws -> Set<Int64> {
        let rows = try await write([
            SQLStatement(
                "DELETE FROM run WHERE id NOT IN (SELECT id FROM run ORDER BY id DESC LIMIT ?) AND status NOT IN (?, ?, ?)",
                [SQLValue(max(keep, 1)), SQLValue(RunStatus.running), SQLValue(RunStatus.stopped), SQLValue(RunStatus.interrupted)]),
            SQLStatement("SELECT id FROM run"),
        ])
        return Set(try rows[1].map { try $0.integer("id") })
    }

    func setReleases(_ releases: String, of id: Int64) async throws {
        _ = try await write(SQLStatement("UPDATE run SET releases = ? WHERE id = ?", [.text(releases), .integer(id)]))
    }

    /// Takes over a stopped or interrupted run in this instance. False when another instance took it first
    /// (its status is no longer one that can be resumed); the engine refuses it while another upgrade runs.
    func resumeRun(_ id: Int64) async throws -> Bool {
        let rows = try await write(SQLStatement(
            "UPDATE run SET status = ?, ownerPid = ?, ownerInstance = ?, finishedAt = NULL WHERE id = ? AND status IN (?, ?) RETURNING id",
            [SQLValue(RunStatus.running), .integer(Int64(instance.pid)), .text(instance.id), .integer(id),
             SQLValue(RunStatus.stopped), SQLValue(RunStatus.interrupted)]), duplicate: upgradeBusy)
        return !rows.isEmpty
    }

    func saveRunHost(_ entry: RunHostRecord) async throws {
        _ = try await write(entry.upsert(key: ["runId", "hostUuid"]))
    }

    /// A pass's decisions in one transaction, so that a fleet's skips cost one commit, not three per host:
    /// every host's entry, the status of the hosts the run is done with (skipped or failed), and the run's
    /// event lines.
    func recordDecisions(_ entries: [RunHostRecord], events: [String]) async throws {
        var statements = entries.map { $0.upsert(key: ["runId", "hostUuid"]) }
        statements += entries.filter { $0.outcome == .skipped || $0.outcome == .failed }.map {
            Self.hostStatus($0.hostUuid, outcome: $0.outcome, reason: $0.error ?? $0.reason, runId: $0.runId)
        }
        if let runId = entries.first?.runId { statements += Self.events(runId, events) }
        _ = try await write(statements)
    }

    func runHost(_ runId: Int64, _ hostUuid: String) async throws -> RunHostRecord? {
        try RunHostRecord.all(await read(SQLStatement(RunHostRecord.selectAll + " WHERE runId = ? AND hostUuid = ?",
                                                      [.integer(runId), .text(hostUuid)]))).first
    }

    private static func runHostsQuery(_ runId: Int64) -> SQLStatement {
        SQLStatement(RunHostRecord.selectAll + " WHERE runId = ? ORDER BY batch, address", [.integer(runId)])
    }

    func runHosts(_ runId: Int64) async throws -> [RunHostRecord] {
        try RunHostRecord.all(await read(Self.runHostsQuery(runId)))
    }

    func appendEvent(_ runId: Int64, _ message: String) async throws {
        _ = try await write(Self.events(runId, [message]))
    }

    private static func events(_ runId: Int64, _ messages: [String]) -> [SQLStatement] {
        let at = Date()
        return messages.map { RunEventRecord(runId: runId, at: at, message: $0).insert }
    }

    public func run(_ id: Int64) async throws -> RunRecord? {
        try RunRecord.all(await read(SQLStatement(RunRecord.selectAll + " WHERE id = ?", [.integer(id)]))).first
    }

    public func runs(limit: Int = 20) async throws -> [RunRecord] {
        try RunRecord.all(await read(SQLStatement(RunRecord.selectAll + " ORDER BY id DESC LIMIT ?", [SQLValue(limit)])))
    }

    public func events(of runId: Int64, after eventId: Int64 = 0) async throws -> [RunEventRecord] {
        try RunEventRecord.all(await read(SQLStatement(RunEventRecord.selectAll + " WHERE runId = ? AND id > ? ORDER BY id",
                                                       [.integer(runId), .integer(eventId)])))
    }

    public func runDetails(_ id: Int64) async throws -> RunDetails? {
        let rows = try await read([
            SQLStatement(RunRecord.selectAll + " WHERE id = ?", [.integer(id)]),
            Self.runHostsQuery(id),
            SQLStatement(RunEventRecord.selectAll + " WHERE runId = ? ORDER BY id", [.integer(id)]),
        ])
        guard let run = try RunRecord.all(rows[0]).first else { return nil }
        let hosts = try RunHostRecord.all(rows[1])
        let numbered = Dictionary(grouping: hosts.filter { $0.batch != nil }, by: { $0.batch! })
        let batches = numbered.keys.sorted().map { number in
            let members = numbered[number]!
            return RunDetails.Batch(
                number: number, hosts: members.map(\.hostUuid),
                deployed: members.count { $0.outcome == .deployed },
                failed: members.count { $0.outcome == .failed })
        }
        return RunDetails(run: run, hosts: hosts, batches: batches, events: try RunEventRecord.all(rows[2]))
    }

    /// Runs whose owner is gone are marked interrupted (and their leases freed); returns the newest upgrade
    /// run that can be resumed: stopped by the failure threshold, or interrupted.
    func resumableUpgrade() async throws -> RunRecord? {
        try await markOrphanedRuns()
        return try RunRecord.all(await read(SQLStatement(
            RunRecord.selectAll + " WHERE kind = ? AND status IN (?, ?) ORDER BY id DESC LIMIT 1",
            [SQLValue(RunKind.upgrade), SQLValue(RunStatus.stopped), SQLValue(RunStatus.interrupted)]))).first
    }

    /// Whether an upgrade was interrupted (its owner died), which any instance should take over at once.
    func interruptedUpgrade() async throws -> RunRecord? {
        try await markOrphanedRuns()
        return try RunRecord.all(await read(SQLStatement(
            RunRecord.selectAll + " WHERE kind = ? AND status = ? ORDER BY id DESC LIMIT 1",
            [SQLValue(RunKind.upgrade), SQLValue(RunStatus.interrupted)]))).first
    }

    /// The upgrade run in progress in a live instance, if any.
    func activeUpgrade() async throws -> RunRecord? {
        try await markOrphanedRuns()
        return try RunRecord.all(await read(SQLStatement(
            RunRecord.selectAll + " WHERE kind = ? AND status = ? ORDER BY id DESC LIMIT 1",
            [SQLValue(RunKind.upgrade), SQLValue(RunStatus.running)]))).first
    }

    /// Interrupts the running runs whose instance is gone (lease expired, or its process seen dead on this
    /// machine), frees their leases, and forgets instances whose lease has expired. Each run is interrupted
    /// only if it is still running under the same owner, so two instances doing this at once agree.
    func markOrphanedRuns() async throws {
        let running = try await read(SQLStatement("""
            SELECT run.id AS id, run.ownerInstance AS ownerInstance, instance.machine AS machine, instance.pid AS pid,
                CASE WHEN instance.expiresAt < \(dialect.now) THEN 1 ELSE 0 END AS expired
            FROM run LEFT JOIN instance ON instance.id = run.ownerInstance WHERE run.status = ?
            """, [SQLValue(RunStatus.running)]))
        var statements: [SQLStatement] = []
        for row in running {
            guard instance.ownerIsGone(machine: try row.optionalText("machine"), pid: try row.optionalInteger("pid"),
                                       expired: try row.optionalInteger("expired") == 1) else { continue }
            let id = try row.integer("id"), owner = try row.optionalText("ownerInstance")
            statements.append(SQLStatement(
                "UPDATE run SET status = ?, message = ? WHERE id = ? AND status = ? AND ownerInstance = ?",
                [SQLValue(RunStatus.interrupted), .text("its instance (\(owner ?? "unknown")) ended before the run did"),
                 .integer(id), SQLValue(RunStatus.running), SQLValue(owner)]))
        }
        guard !statements.isEmpty else { return }
        statements.append(SQLStatement("DELETE FROM hostLease WHERE runId NOT IN (SELECT id FROM run WHERE status = ?)",
                                       [SQLValue(RunStatus.running)]))
        statements.append(SQLStatement("DELETE FROM instance WHERE expiresAt < \(dialect.now) AND id <> ?", [.text(instance.id)]))
        _ = try await write(statements)
    }

    // MARK: Leases: the same host is never deployed by two runs at once, across instances.

    /// What leasing a batch's hosts found.
    struct LeaseResult: Sendable {
        /// Hosts another live run holds, with that run's id.
        var busy: [String: Int64]
        /// This run is no longer this instance's (interrupted and taken over while this one could not
        /// renew its lease): it must stop.
        var runLost: Bool
    }

    /// Leases every free host to `runId`, in one transaction: a host is taken when nobody holds it, when the
    /// holder's run is no longer running, or when `runId` already holds it — and only while `runId` is still
    /// running under this instance.
    func acquireLeases(_ uuids: [String], runId: Int64) async throws -> LeaseResult {
        try await markOrphanedRuns()
        let mine: [SQLValue] = [.integer(runId), SQLValue(RunStatus.running), .text(instance.id)]
        var statements = uuids.map { uuid in
            SQLStatement("""
                INSERT INTO hostLease (hostUuid, runId, ownerPid, ownerInstance)
                SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM run WHERE id = ? AND status = ? AND ownerInstance = ?)
                ON CONFLICT (hostUuid) DO UPDATE SET runId = excluded.runId, ownerPid = excluded.ownerPid,
                    ownerInstance = excluded.ownerInstance
                WHERE hostLease.runId = excluded.runId OR hostLease.runId NOT IN (SELECT id FROM run WHERE status = ?)
                """, [.text(uuid), .integer(runId), .integer(Int64(instance.pid)), .text(instance.id)] + mine
                     + [SQLValue(RunStatus.running)])
        }
        statements.append(SQLStatement("SELECT hostUuid, runId FROM hostLease WHERE runId <> ?", [.integer(runId)]))
        statements.append(SQLStatement("SELECT 1 AS mine FROM run WHERE id = ? AND status = ? AND ownerInstance = ?", mine))
        let rows = try await write(statements)
        let wanted = Set(uuids)
        var busy: [String: Int64] = [:]
        for row in rows[uuids.count] where wanted.contains(try row.text("hostUuid")) {
            busy[try row.text("hostUuid")] = try row.integer("runId")
        }
        return LeaseResult(busy: busy, runLost: rows[uuids.count + 1].isEmpty)
    }

    func releaseLeases(_ uuids: [String], runId: Int64) async throws {
        _ = try await write(uuids.map {
            SQLStatement("DELETE FROM hostLease WHERE hostUuid = ? AND runId = ?", [.text($0), .integer(runId)])
        })
    }
}

extension RunRecord {
    /// Who runs it, for messages: the instance, and its pid.
    var ownerDescription: String {
        "instance \(ownerInstance ?? "unknown"), pid \(ownerPid)"
    }
}
