import Foundation
import GRDB
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
    func createRun(_ run: RunRecord) throws -> RunRecord {
        try database.write { db in
            var run = run
            try run.insert(db)
            return run
        }
    }

    func finishRun(_ id: Int64, status: RunStatus, message: String?) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE run SET status = ?, message = ?, finishedAt = ? WHERE id = ?",
                           arguments: [status.rawValue, message, Date(), id])
            try db.execute(sql: "DELETE FROM hostLease WHERE runId = ?", arguments: [id])
        }
    }

    /// Deletes the runs (with their hosts and events) older than the newest `keep`, except those running or
    /// resumable (stopped, interrupted); returns the ids of the runs that remain.
    func pruneRuns(keep: Int) throws -> Set<Int64> {
        try database.write { db in
            try db.execute(
                sql: "DELETE FROM run WHERE id NOT IN (SELECT id FROM run ORDER BY id DESC LIMIT ?) AND status NOT IN (?, ?, ?)",
                arguments: [max(keep, 1), RunStatus.running.rawValue, RunStatus.stopped.rawValue,
                            RunStatus.interrupted.rawValue])
            return Set(try Int64.fetchAll(db, sql: "SELECT id FROM run"))
        }
    }

    func setReleases(_ releases: String, of id: Int64) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE run SET releases = ? WHERE id = ?", arguments: [releases, id])
        }
    }

    /// Takes over a stopped or interrupted run in this process.
    func resumeRun(_ id: Int64) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE run SET status = ?, ownerPid = ?, finishedAt = NULL WHERE id = ?",
                           arguments: [RunStatus.running.rawValue, getpid(), id])
        }
    }

    func saveRunHost(_ entry: RunHostRecord) throws {
        try database.write { db in try entry.save(db) }
    }

    /// A pass's decisions in one transaction, so that a fleet's skips cost one commit, not three per host:
    /// every host's entry, the status of the hosts the run is done with (skipped or failed), and the run's
    /// event lines.
    func recordDecisions(_ entries: [RunHostRecord], events: [String]) throws {
        try database.write { db in
            for entry in entries {
                try entry.save(db)
                guard entry.outcome == .skipped || entry.outcome == .failed else { continue }
                try Self.updateHostStatus(db, entry.hostUuid, outcome: entry.outcome, reason: entry.error ?? entry.reason,
                                          runId: entry.runId)
            }
            try Self.insertEvents(db, entries.first?.runId, events)
        }
    }

    func runHost(_ runId: Int64, _ hostUuid: String) throws -> RunHostRecord? {
        try database.read { db in
            try RunHostRecord.fetchOne(db, key: ["runId": runId, "hostUuid": hostUuid])
        }
    }

    func runHosts(_ runId: Int64) throws -> [RunHostRecord] {
        try database.read { db in
            try RunHostRecord.filter(Column("runId") == runId).order(Column("batch"), Column("address")).fetchAll(db)
        }
    }

    func appendEvent(_ runId: Int64, _ message: String) throws {
        try database.write { db in try Self.insertEvents(db, runId, [message]) }
    }

    private static func insertEvents(_ db: Database, _ runId: Int64?, _ messages: [String]) throws {
        guard let runId else { return }
        let at = Date()
        for message in messages {
            var event = RunEventRecord(runId: runId, at: at, message: message)
            try event.insert(db)
        }
    }

    public func run(_ id: Int64) throws -> RunRecord? {
        try database.read { db in try RunRecord.fetchOne(db, key: id) }
    }

    public func runs(limit: Int = 20) throws -> [RunRecord] {
        try database.read { db in try RunRecord.order(Column("id").desc).limit(limit).fetchAll(db) }
    }

    public func events(of runId: Int64, after eventId: Int64 = 0) throws -> [RunEventRecord] {
        try database.read { db in
            try RunEventRecord.filter(Column("runId") == runId && Column("id") > eventId).order(Column("id")).fetchAll(db)
        }
    }

    public func runDetails(_ id: Int64) throws -> RunDetails? {
        try database.read { db in
            guard let run = try RunRecord.fetchOne(db, key: id) else { return nil }
            let hosts = try RunHostRecord.filter(Column("runId") == id).order(Column("batch"), Column("address")).fetchAll(db)
            let events = try RunEventRecord.filter(Column("runId") == id).order(Column("id")).fetchAll(db)
            let numbered = Dictionary(grouping: hosts.filter { $0.batch != nil }, by: { $0.batch! })
            let batches = numbered.keys.sorted().map { number in
                let members = numbered[number]!
                return RunDetails.Batch(
                    number: number, hosts: members.map(\.hostUuid),
                    deployed: members.count { $0.outcome == .deployed },
                    failed: members.count { $0.outcome == .failed })
            }
            return RunDetails(run: run, hosts: hosts, batches: batches, events: events)
        }
    }

    /// Runs whose owner process is gone are marked interrupted (and their leases freed); returns the newest
    /// upgrade run that can be resumed: stopped by the failure threshold, or interrupted.
    func resumableUpgrade() throws -> RunRecord? {
        try markOrphanedRuns()
        return try database.read { db in
            try RunRecord.filter(Column("kind") == RunKind.upgrade.rawValue
                                 && [RunStatus.stopped.rawValue, RunStatus.interrupted.rawValue].contains(Column("status")))
                .order(Column("id").desc).fetchOne(db)
        }
    }

    /// The upgrade run in progress in a live process, if any.
    func activeUpgrade() throws -> RunRecord? {
        try markOrphanedRuns()
        return try database.read { db in
            try RunRecord.filter(Column("kind") == RunKind.upgrade.rawValue && Column("status") == RunStatus.running.rawValue)
                .order(Column("id").desc).fetchOne(db)
        }
    }

    func markOrphanedRuns() throws {
        try database.write { db in
            let running = try RunRecord.filter(Column("status") == RunStatus.running.rawValue).fetchAll(db)
            for run in running where !ProcessTable.isAlive(run.ownerPid) {
                try db.execute(sql: "UPDATE run SET status = ?, message = ? WHERE id = ?",
                               arguments: [RunStatus.interrupted.rawValue,
                                           "its process (pid \(run.ownerPid)) ended before the run did", run.id])
                try db.execute(sql: "DELETE FROM hostLease WHERE runId = ?", arguments: [run.id])
            }
            try db.execute(sql: "DELETE FROM hostLease WHERE ownerPid NOT IN (SELECT ownerPid FROM run WHERE status = ?)",
                           arguments: [RunStatus.running.rawValue])
        }
    }

    // MARK: Leases: the same host is never deployed by two runs at once, across processes.

    /// Leases every free host to `runId`; returns the hosts another live run holds, with that run's id.
    func acquireLeases(_ uuids: [String], runId: Int64) throws -> [String: Int64] {
        try markOrphanedRuns()
        return try database.write { db in
            var busy: [String: Int64] = [:]
            for uuid in uuids {
                if let holder = try Int64.fetchOne(db, sql: "SELECT runId FROM hostLease WHERE hostUuid = ?", arguments: [uuid]),
                   holder != runId {
                    busy[uuid] = holder
                    continue
                }
                try db.execute(sql: "INSERT OR REPLACE INTO hostLease(hostUuid, runId, ownerPid) VALUES (?, ?, ?)",
                               arguments: [uuid, runId, getpid()])
            }
            return busy
        }
    }

    func releaseLeases(_ uuids: [String], runId: Int64) throws {
        try database.write { db in
            for uuid in uuids {
                try db.execute(sql: "DELETE FROM hostLease WHERE hostUuid = ? AND runId = ?", arguments: [uuid, runId])
            }
        }
    }
}
