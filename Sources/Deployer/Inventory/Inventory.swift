import Foundation
import GRDB

/// The deployer's durable state in one SQLite file: hosts, what each host last received, runs and their
/// per-host outcomes and events, settings, and host leases. Several processes may open it at once (the
/// service and a CLI command): WAL mode, and writes wait for each other instead of failing.
public final class Inventory: Sendable {
    let database: DatabasePool

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    public init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // The file may hold passwords: readable by its owner only. SQLite gives its -wal and -shm files the
        // database file's mode, so the file is made 0600 before SQLite first opens it.
        if !FileManager.default.fileExists(atPath: path),
           !FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) {
            throw DeployerError(.environment, "cannot create the inventory file \(path)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "host") { t in
                t.primaryKey("uuid", .text)
                t.column("name", .text).notNull()
                t.column("address", .text).notNull()
                t.column("sshPort", .integer).notNull()
                t.column("user", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("agentPort", .integer).notNull()
                t.column("privateKeyPath", .text)
                t.column("password", .text)
                t.column("become", .boolean).notNull()
                t.column("hostKeyFingerprint", .text).notNull()
                t.column("hostKey", .text).notNull()
                t.column("variables", .text).notNull()
                t.column("addedAt", .datetime).notNull()
                t.column("deployedVersion", .text)
                t.column("lastOutcome", .text)
                t.column("lastReason", .text)
                t.column("lastRunId", .integer)
                t.column("lastChangeAt", .datetime)
                t.uniqueKey(["address", "sshPort", "kind"])
            }
            try db.create(table: "deployedFile") { t in
                t.column("hostUuid", .text).notNull().references("host", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("md5", .text).notNull()
                t.primaryKey(["hostUuid", "name"])
            }
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("trigger", .text).notNull()
                t.column("status", .text).notNull()
                t.column("ownerPid", .integer).notNull()
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("batchSize", .integer)
                t.column("maxFailPercent", .integer)
                t.column("releases", .text)
                t.column("message", .text)
            }
            try db.create(table: "runHost") { t in
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("hostUuid", .text).notNull()
                t.column("address", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("batch", .integer)
                t.column("decision", .text)
                t.column("reason", .text)
                t.column("outcome", .text).notNull()
                t.column("error", .text)
                t.column("ansibleTail", .text)
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.primaryKey(["runId", "hostUuid"])
            }
            try db.create(table: "runEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                t.column("at", .datetime).notNull()
                t.column("message", .text).notNull()
            }
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "hostLease") { t in
                t.primaryKey("hostUuid", .text)
                t.column("runId", .integer).notNull()
                t.column("ownerPid", .integer).notNull()
            }
        }
        // The decision column is read as `HostDecision.Verdict`: it always held one of its raw values, but a
        // value written by something else must not make the run unreadable.
        migrator.registerMigration("v2-typed-decisions") { db in
            try db.execute(sql: "UPDATE runHost SET decision = NULL WHERE decision NOT IN (?, ?, ?)",
                           arguments: StatementArguments(HostDecision.Verdict.allCases.map(\.rawValue)))
        }
        return migrator
    }

    // MARK: Hosts

    public func hosts() throws -> [HostRecord] {
        try database.read { db in try HostRecord.order(Column("kind"), Column("address"), Column("sshPort")).fetchAll(db) }
    }

    public func host(_ uuid: String) throws -> HostRecord? {
        try database.read { db in try HostRecord.fetchOne(db, key: uuid) }
    }

    /// Finds a host by uuid, name or address (the CLI accepts any of them).
    public func host(matching reference: String) throws -> HostRecord? {
        try database.read { db in
            if let host = try HostRecord.fetchOne(db, key: reference) { return host }
            return try HostRecord.filter(Column("name") == reference || Column("address") == reference).fetchOne(db)
        }
    }

    func insert(_ host: HostRecord) throws {
        try database.write { db in
            if try HostRecord.filter(Column("address") == host.address && Column("sshPort") == host.sshPort
                                     && Column("kind") == host.kind.rawValue).fetchCount(db) > 0 {
                throw DeployerError(.invalidInput,
                                    "a \(host.kind) host at \(host.address):\(host.sshPort) is already managed")
            }
            try host.insert(db)
        }
    }

    public func removeHost(_ uuid: String) throws {
        try database.write { db in
            guard try HostRecord.deleteOne(db, key: uuid) else {
                throw DeployerError(.notFound, "no host \(uuid)")
            }
        }
    }

    func updateHostStatus(_ uuid: String, outcome: HostOutcome, reason: String?, runId: Int64,
                          deployedVersion: String? = nil) throws {
        try database.write { db in
            try Self.updateHostStatus(db, uuid, outcome: outcome, reason: reason, runId: runId, deployedVersion: deployedVersion)
        }
    }

    static func updateHostStatus(_ db: Database, _ uuid: String, outcome: HostOutcome, reason: String?, runId: Int64,
                                 deployedVersion: String? = nil) throws {
        guard var host = try HostRecord.fetchOne(db, key: uuid) else { return }
        host.lastOutcome = outcome
        host.lastReason = reason
        host.lastRunId = runId
        host.lastChangeAt = Date()
        if let deployedVersion { host.deployedVersion = deployedVersion }
        try host.update(db)
    }

    // MARK: What each host last received

    func deployedFiles(of uuid: String) throws -> [String: String] {
        try database.read { db in
            let rows = try DeployedFileRecord.filter(Column("hostUuid") == uuid).fetchAll(db)
            return Dictionary(rows.map { ($0.name, $0.md5) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// What every host last received, by host uuid: one read for a whole pass.
    func deployedFiles() throws -> [String: [String: String]] {
        try database.read { db in
            var files: [String: [String: String]] = [:]
            for row in try DeployedFileRecord.fetchAll(db) { files[row.hostUuid, default: [:]][row.name] = row.md5 }
            return files
        }
    }

    func recordDeployed(_ uuid: String, files: [String: String]) throws {
        try database.write { db in
            try DeployedFileRecord.filter(Column("hostUuid") == uuid).deleteAll(db)
            for (name, md5) in files {
                try DeployedFileRecord(hostUuid: uuid, name: name, md5: md5).insert(db)
            }
        }
    }

    func forgetDeployed(_ uuid: String) throws {
        _ = try database.write { db in try DeployedFileRecord.filter(Column("hostUuid") == uuid).deleteAll(db) }
    }

    // MARK: Settings

    public func setting(_ key: String) throws -> String? {
        try database.read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func settings() throws -> [String: String] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM setting")
            return Dictionary(rows.map { ($0["key"] as String, $0["value"] as String) }, uniquingKeysWith: { $1 })
        }
    }

    public func setSetting(_ key: String, _ value: String?) throws {
        try database.write { db in
            if let value {
                try db.execute(sql: "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
    }
}
