import Foundation
import Logging
import PostgresNIO
import _ConnectionPoolModule

/// The shared engine: a PostgreSQL database that several `zstack-deploy serve` instances use at once, through
/// postgres-nio's connection pool. Statements arrive with `?` placeholders and are numbered here; values are
/// bound and read in binary (see ``PostgresValues``).
///
/// The pool retries a failing connection for 60 s before it gives up on the requests waiting for one, and then
/// says only that it gave up. So ``connect(url:)`` first opens one connection of its own, and a wrong
/// password, a missing database or a closed port is reported at once in the server's or the network's words;
/// and when the pool gives up later (the server went away), one more such connection says why.
public final class PostgresBackend: SQLBackend {
    public let dialect = SQLDialect.postgres
    public let location: String
    private let url: PostgresURL
    private let client: PostgresClient
    /// Runs the pool; cancelling it closes every connection.
    private let runner: Task<Void, Never>
    /// postgres-nio logs queries with their bound values at debug level: those may be sealed secrets.
    private static let silent = Logger(label: "zstack-deploy.store.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(url: PostgresURL) {
        self.url = url
        location = url.location
        var configuration = url.clientConfiguration
        configuration.options.additionalStartupParameters = [("application_name", "zstack-deploy")]
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.silent)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit {
        runner.cancel()
    }

    /// Checks `url` and that the server takes its credentials, then starts the pool.
    public static func connect(url text: String) async throws -> PostgresBackend {
        let url = try PostgresURL(text)
        try await probe(url)
        return PostgresBackend(url: url)
    }

    /// Opens and closes one connection outside the pool; throws why it could not.
    private static func probe(_ url: PostgresURL) async throws {
        let configuration = try url.connectionConfiguration()
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: silent)
        } catch {
            throw PostgresErrors.connectionFailure(error, location: url.location)
        }
        try? await connection.close()
    }

    public func transaction(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        try await inTransaction(statements)
    }

    public func read(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        // withTransaction opens with a plain BEGIN; SET TRANSACTION, its first statement, makes that
        // transaction what `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` would: one snapshot for every
        // statement, and the server refuses writes.
        try await inTransaction(statements, setUp: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }

    private func inTransaction(_ statements: [SQLStatement], setUp: PostgresQuery? = nil) async throws -> [[SQLRow]] {
        guard !statements.isEmpty else { return [] }
        let queries = try statements.map(Self.query)
        do {
            return try await client.withTransaction(logger: Self.silent) { connection in
                if let setUp { try await connection.query(setUp, logger: Self.silent) }
                var results: [[SQLRow]] = []
                for query in queries {
                    var rows: [SQLRow] = []
                    for try await row in try await connection.query(query, logger: Self.silent) {
                        rows.append(try PostgresValues.row(row))
                    }
                    results.append(rows)
                }
                return results
            }
        } catch let error as ConnectionPoolError where error == .connectionCreationCircuitBreakerTripped {
            throw await unreachable()
        } catch {
            throw PostgresErrors.storeError(error, location: location)
        }
    }

    /// The pool gave up connecting: one connection of our own says why (or that the server is back).
    private func unreachable() async -> StoreError {
        do {
            try await Self.probe(url)
            return .engine("PostgreSQL at \(location) could not be reached for a while; it answers again, retry")
        } catch let error as StoreError {
            return error
        } catch {
            return .engine("cannot connect to PostgreSQL at \(location): \(error)")
        }
    }

    private static func query(_ statement: SQLStatement) throws -> PostgresQuery {
        let (sql, placeholders) = PostgresPlaceholders.numbered(statement.sql)
        guard placeholders == statement.arguments.count else {
            throw StoreError.engine("the statement has \(placeholders) placeholders but \(statement.arguments.count) arguments: \(statement.sql)")
        }
        return PostgresQuery(unsafeSQL: sql, binds: PostgresValues.bindings(statement.arguments))
    }
}
