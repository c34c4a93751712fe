import Foundation

/// The deployer's durable state: hosts, what each host last received, runs and their per-host outcomes and
/// events, settings, the instances sharing the store and their host leases, sealed secrets. One SQLite file
/// by default (``SQLiteBackend``), or a PostgreSQL database several instances share; the queries are the
/// same SQL on both (see ``SQLBackend``).
public final class Inventory: Sendable {
    let backend: any SQLBackend
    /// Seals the hosts' stored passwords; nil when the store was opened without a key file (the store's own
    /// tests), and then a host with a password can be neither stored nor read.
    let secretBox: SecretBox?
    /// This process's registration in the store: its runs and leases name it, and it renews it while it lives.
    let instance: StoreInstance
    private let renewal: Task<Void, Never>

    /// Opens the store at `location` (a file path, or a `postgres://` URL), brings its schema up to date and
    /// registers this process as an instance whose lease lasts `instanceLease` unless renewed. Host passwords
    /// are sealed with the key file at `secretKeyPath` (see ``SecretBox/forStore(_:keyPath:)``).
    public convenience init(location: String, instanceLease: Duration = StoreInstance.defaultLease,
                            secretKeyPath: String? = nil) async throws {
        let backend: any SQLBackend
        do {
            backend = try await StoreLocation.backend(for: location)
        } catch {
            throw Self.storeError(error, StoreLocation.shown(location))
        }
        try await self.init(backend: backend, instanceLease: instanceLease, secretKeyPath: secretKeyPath)
    }

    public init(backend: any SQLBackend, instanceLease: Duration = StoreInstance.defaultLease,
                secretKeyPath: String? = nil) async throws {
        self.backend = backend
        do {
            try await StoreMigrator.migrate(backend)
            if let secretKeyPath {
                let box = try await SecretBox.forStore(backend, keyPath: secretKeyPath)
                try await HostPasswordColumn.sealPlaintext(in: backend, box: box)
                secretBox = box
            } else {
                secretBox = nil
            }
            instance = StoreInstance(lease: instanceLease)
            try await instance.register(in: backend)
        } catch {
            await backend.close()
            throw Self.storeError(error, backend.location)
        }
        let instance = instance
        renewal = Task { [backend] in await instance.keepRenewing(in: backend) }
    }

    deinit {
        renewal.cancel()
    }

    /// Ends this instance's registration (its leases go with it) and the store's connections.
    public func close() async {
        renewal.cancel()
        try? await instance.unregister(from: backend)
        await backend.close()
    }

    /// The id the store knows this instance by (shown as a run's `ownerInstance`).
    public var instanceId: String { instance.id }

    var dialect: SQLDialect { backend.dialect }

    /// What a refused duplicate row means to the caller (a host already managed, an upgrade already running).
    typealias DuplicateMeaning = () async throws -> any Error

    /// Runs statements in one transaction, the store's failures as the deployer's errors; a unique
    /// violation is `duplicate`'s error when the caller gives one.
    func write(_ statements: [SQLStatement], duplicate: DuplicateMeaning? = nil) async throws -> [[SQLRow]] {
        try await reportingFailures(duplicate: duplicate) { try await backend.transaction(statements) }
    }

    func write(_ statement: SQLStatement, duplicate: DuplicateMeaning? = nil) async throws -> [SQLRow] {
        try await write([statement], duplicate: duplicate)[0]
    }

    func read(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        try await reportingFailures { try await backend.read(statements) }
    }

    private func reportingFailures<T>(duplicate: DuplicateMeaning? = nil, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StoreError.uniqueViolation where duplicate != nil {
            throw try await duplicate!()
        } catch {
            throw Self.storeError(error, backend.location)
        }
    }

    func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await read([statement])[0]
    }

    static func storeError(_ error: any Error, _ location: String) -> any Error {
        guard let error = error as? StoreError else { return error }
        return DeployerError(.environment, "the inventory at \(location): \(error)")
    }

    // MARK: Hosts

    public func hosts() async throws -> [HostRecord] {
        try hostRecords(await read(SQLStatement(HostRecord.selectAll + " ORDER BY kind, address, sshPort")))
    }

    public func host(_ uuid: String) async throws -> HostRecord? {
        try hostRecords(await read(SQLStatement(HostRecord.selectAll + " WHERE uuid = ?", [.text(uuid)]))).first
    }

    /// Finds a host by uuid, name or address (the CLI accepts any of them): the uuid first.
    public func host(matching reference: String) async throws -> HostRecord? {
        let rows = try await read(SQLStatement(
            HostRecord.selectAll + " WHERE uuid = ? OR name = ? OR address = ? ORDER BY CASE WHEN uuid = ? THEN 0 ELSE 1 END, kind, address",
            [.text(reference), .text(reference), .text(reference), .text(reference)]))
        return try hostRecords(rows).first
    }

    /// Host rows with their passwords opened (``HostPasswordColumn``).
    private func hostRecords(_ rows: [SQLRow]) throws -> [HostRecord] {
        try HostRecord.all(rows).map { try HostPasswordColumn.opened($0, box: secretBox) }
    }

    func insert(_ host: HostRecord) async throws {
        _ = try await write(try HostPasswordColumn.sealed(host, box: secretBox).insert) {
            DeployerError(.invalidInput, "a \(host.kind) host at \(host.address):\(host.sshPort) is already managed")
        }
    }

    /// Hosts whose agents were deployed by other means (another deployer's inventory, a fleet moved between
    /// stores, the fleet benchmark's simulated hosts), with what each received: in one transaction, so a
    /// large import costs one commit.
    public func importHosts(_ hosts: [(host: HostRecord, files: [String: String])]) async throws {
        var statements: [SQLStatement] = []
        for (host, files) in hosts {
            statements.append(try HostPasswordColumn.sealed(host, box: secretBox).insert)
            statements += files.sorted { $0.key < $1.key }.map { DeployedFileRecord(hostUuid: host.uuid, name: $0.key, md5: $0.value).insert }
        }
        _ = try await write(statements)
    }

    public func removeHost(_ uuid: String) async throws {
        let removed = try await write(SQLStatement("DELETE FROM host WHERE uuid = ? RETURNING uuid", [.text(uuid)]))
        guard !removed.isEmpty else { throw DeployerError(.notFound, "no host \(uuid)") }
    }

    func updateHostStatus(_ uuid: String, outcome: HostOutcome, reason: String?, runId: Int64,
                          deployedVersion: String? = nil) async throws {
        _ = try await write(Self.hostStatus(uuid, outcome: outcome, reason: reason, runId: runId, deployedVersion: deployedVersion))
    }

    static func hostStatus(_ uuid: String, outcome: HostOutcome, reason: String?, runId: Int64,
                           deployedVersion: String? = nil) -> SQLStatement {
        SQLStatement("""
            UPDATE host SET lastOutcome = ?, lastReason = ?, lastRunId = ?, lastChangeAt = ?,
                deployedVersion = COALESCE(?, deployedVersion) WHERE uuid = ?
            """, [SQLValue(outcome), SQLValue(reason), .integer(runId), .date(Date()), SQLValue(deployedVersion), .text(uuid)])
    }

    // MARK: What each host last received

    public func deployedFiles(of uuid: String) async throws -> [String: String] {
        let rows = try await read(SQLStatement(DeployedFileRecord.selectAll + " WHERE hostUuid = ?", [.text(uuid)]))
        return Dictionary(try DeployedFileRecord.all(rows).map { ($0.name, $0.md5) }, uniquingKeysWith: { first, _ in first })
    }

    /// What every host last received, by host uuid: one read for a whole pass.
    func deployedFiles() async throws -> [String: [String: String]] {
        var files: [String: [String: String]] = [:]
        for row in try DeployedFileRecord.all(await read(SQLStatement(DeployedFileRecord.selectAll))) {
            files[row.hostUuid, default: [:]][row.name] = row.md5
        }
        return files
    }

    func recordDeployed(_ uuid: String, files: [String: String]) async throws {
        let rows = files.sorted { $0.key < $1.key }.map { DeployedFileRecord(hostUuid: uuid, name: $0.key, md5: $0.value).insert }
        _ = try await write([SQLStatement("DELETE FROM deployedFile WHERE hostUuid = ?", [.text(uuid)])] + rows)
    }

    func forgetDeployed(_ uuid: String) async throws {
        _ = try await write(SQLStatement("DELETE FROM deployedFile WHERE hostUuid = ?", [.text(uuid)]))
    }

    // MARK: Settings (shared by every instance on the store)

    public func setting(_ key: String) async throws -> String? {
        try await read(SQLStatement("SELECT value FROM setting WHERE key = ?", [.text(key)])).first?.text("value")
    }

    public func settings() async throws -> [String: String] {
        let rows = try await read(SQLStatement("SELECT key, value FROM setting"))
        return Dictionary(try rows.map { (try $0.text("key"), try $0.text("value")) }, uniquingKeysWith: { $1 })
    }

    public func setSetting(_ key: String, _ value: String?) async throws {
        if let value {
            _ = try await write(SQLStatement(
                "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(key), .text(value)]))
        } else {
            _ = try await write(SQLStatement("DELETE FROM setting WHERE key = ?", [.text(key)]))
        }
    }
}
