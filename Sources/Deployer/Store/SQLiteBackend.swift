import Foundation
import GRDB

/// The embedded engine, the default: one SQLite file through GRDB, in WAL mode so that the service and a CLI
/// command can use it at once (writes wait for each other for up to 10 s instead of failing). GRDB runs
/// every access on its own queues; the async accessors keep them off the caller's threads.
public final class SQLiteBackend: SQLBackend {
    public let dialect = SQLDialect.sqlite
    public let location: String
    private let pool: DatabasePool

    /// Opens (creating if needed, mode 0600: it may hold sealed secrets and host facts) the file at `path`.
    public init(path: String) throws {
        location = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // SQLite gives its -wal and -shm files the database file's mode, so the file is made 0600 before
        // SQLite first opens it.
        if !FileManager.default.fileExists(atPath: path),
           !FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) {
            throw StoreError.engine("cannot create the inventory file \(path)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.storeError(error)
        }
    }

    public func transaction(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        do {
            return try await pool.write { db in try statements.map { try Self.run($0, in: db) } }
        } catch {
            throw Self.storeError(error)
        }
    }

    public func read(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        do {
            return try await pool.read { db in try statements.map { try Self.run($0, in: db) } }
        } catch {
            throw Self.storeError(error)
        }
    }

    public func close() async {
        try? pool.close()
    }

    private static func run(_ statement: SQLStatement, in db: Database) throws -> [SQLRow] {
        let arguments = StatementArguments(statement.arguments.map(databaseValue))
        return try Row.fetchAll(db, sql: statement.sql, arguments: arguments).map(row)
    }

    private static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .text(let text): text.databaseValue
        case .boolean(let boolean): boolean.databaseValue
        case .date(let date): date.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }

    private static func row(_ row: Row) throws -> SQLRow {
        var values: [String: SQLValue] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: values[column] = .null
            case .int64(let integer): values[column] = .integer(integer)
            case .string(let text): values[column] = .text(text)
            case .blob(let data): values[column] = .blob(Array(data))
            case .double:
                throw StoreError.engine("column \(column) holds a floating-point value, which no inventory column has")
            }
        }
        return SQLRow(values)
    }

    private static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? DatabaseError else { return .engine("\(error)") }
        if error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            return .uniqueViolation(error.message ?? "\(error)")
        }
        return .engine(error.message.map { "SQLite: \($0)" } ?? "\(error)")
    }
}
