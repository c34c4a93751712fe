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
        // PostgreSQL's `CREATE TABLE IF NOT EXISTS` is not safe against a concurrent one (the loser fails on
        // the table's type name): the lock comes first there too.
        _ = try await backend.transaction(lock(dialect) + [
            SQLStatement("CREATE TABLE IF NOT EXISTS \(table) (identifier TEXT NOT NULL PRIMARY KEY)"),
        ])
        let applied = Set(try await backend.read(SQLStatement("SELECT identifier FROM \(table)")).map { try $0.text("identifier") })
        for migration in migrations where !applied.contains(migration.identifier) {
            var statements = lock(dialect)
            statements.append(SQLStatement("INSERT INTO \(table) (identifier) VALUES (?)", [.text(migration.identifier)]))
            statements += migration.steps.flatMap(dialect.render).map { SQLStatement($0) }
            do {
                _ = try await backend.transaction(statements)
            } catch StoreError.uniqueViolation {
                continue  // another instance applied it meanwhile
            }
        }
    }

    /// Serialises migrations between instances for the rest of the transaction (SQLite's single writer does
    /// it there).
    private static func lock(_ dialect: SQLDialect) -> [SQLStatement] {
        dialect == .postgres ? [SQLStatement("SELECT pg_advisory_xact_lock(?)", [.integer(advisoryLockKey)])] : []
    }
}
