import Foundation

/// The SQL engine under the deployer's store. ``Inventory`` is written once, in SQL both engines accept,
/// against this protocol; a backend only runs statements and turns its engine's values and errors into
/// ``SQLValue`` and ``StoreError``. A transaction is a list of statements decided up front: every
/// read-then-write the inventory needs is one statement (`INSERT … ON CONFLICT … WHERE`, `RETURNING`), so a
/// transaction never waits on Swift code between two statements and no engine lock is held across an await.
public protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }
    /// Where the data is, for messages (a file path, or the PostgreSQL URL without its password).
    var location: String { get }

    /// Runs `statements` in order in one transaction and returns each one's rows (empty for statements
    /// without any). All or nothing: the first error rolls the transaction back and is thrown.
    func transaction(_ statements: [SQLStatement]) async throws -> [[SQLRow]]

    /// Runs read-only `statements` on one consistent snapshot.
    func read(_ statements: [SQLStatement]) async throws -> [[SQLRow]]

    /// Ends the backend's connections; the backend is not used afterwards.
    func close() async
}

extension SQLBackend {
    func transaction(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await transaction([statement])[0]
    }

    func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await read([statement])[0]
    }
}

/// Where the two engines' SQL differs: DDL types, the clock, the migration bookkeeping.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// What a backend's errors become, so the inventory can tell a broken rule from an unreachable engine.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique or primary key constraint refused the row (SQLite's SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY,
    /// PostgreSQL's 23505); the constraint or index name when the engine says it.
    case uniqueViolation(String)
    /// Anything else the engine refused or failed at, with its message.
    case engine(String)

    public var description: String {
        switch self {
        case .uniqueViolation(let constraint): "unique constraint violated: \(constraint)"
        case .engine(let message): message
        }
    }
}
