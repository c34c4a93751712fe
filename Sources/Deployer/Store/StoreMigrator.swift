/// Brings a store's schema up to date. Each migration is one transaction that first records its identifier:
/// when two instances open a new store at once, the second one's insert meets the first one's row (after
/// waiting for its transaction: PostgreSQL through an advisory lock, SQLite through its single writer) and it
/// moves on, so no migration runs twice.
enum StoreMigrator {
    /// Any constant: the advisory lock's key, the same for every instance.
    private static let advisoryLockKey: Int64 = 0x7a73_6465_706c_6f79  // "zsdeploy"

    static func migrate(_ backend: any SQLBackend, _ migrations: [SchemaMigration] = InventorySchema.migrations) async throws {
        let dialect = backend.dialect
        let table = dialect.migrationsTable
        try await retryingCreation(backend, SQLStatement("CREATE TABLE IF NOT EXISTS \(table) (identifier TEXT NOT NULL PRIMARY KEY)"))
        let applied = Set(try await backend.read(SQLStatement("SELECT identifier FROM \(table)")).map { try $0.text("identifier") })
        for migration in migrations where !applied.contains(migration.identifier) {
            var statements: [SQLStatement] = []
            if dialect == .postgres {
                statements.append(SQLStatement("SELECT pg_advisory_xact_lock(?)", [.integer(advisoryLockKey)]))
            }
            statements.append(SQLStatement("INSERT INTO \(table) (identifier) VALUES (?)", [.text(migration.identifier)]))
            statements += migration.steps.flatMap(dialect.render).map { SQLStatement($0) }
            do {
                _ = try await backend.transaction(statements)
            } catch StoreError.uniqueViolation {
                continue  // another instance applied it meanwhile
            }
        }
    }

    /// PostgreSQL's `CREATE TABLE IF NOT EXISTS` can still fail with a unique violation when two sessions
    /// create the table at the same moment; the loser finds it there on a second try.
    private static func retryingCreation(_ backend: any SQLBackend, _ statement: SQLStatement) async throws {
        do {
            _ = try await backend.transaction(statement)
        } catch StoreError.uniqueViolation {
            _ = try await backend.transaction(statement)
        }
    }
}
