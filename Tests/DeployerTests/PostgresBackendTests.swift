@testable import Deployer
import Foundation
import TestSupport
import Testing

/// The PostgreSQL backend against a real server: TestDatabase's, one per test process on port 3029, each
/// test in a fresh database of its own. Port 3011 is one nothing listens on.
@Suite struct PostgresBackendTests {
    /// A backend on a fresh database, closed however `body` ends.
    private func withBackend<T>(_ label: String, _ body: (PostgresBackend, String) async throws -> T) async throws -> T {
        let url = try await TestDatabase.freshDatabase(label: label)
        let backend = try await PostgresBackend.connect(url: url)
        return try await withCleanUp({ try await body(backend, url) }, cleanUp: { await backend.close() })
    }

    private func server() async throws -> PostgresServer {
        try await TestDatabase.server()
    }

    @Test func everyValueKindRoundTrips() async throws {
        try await withBackend("round trip") { backend, _ in
            let date = Date(timeIntervalSince1970: 1_700_000_000.123)
            let bytes = (0...255).map(UInt8.init)
            _ = try await backend.transaction([
                SQLStatement("CREATE TABLE kinds (t TEXT, n BIGINT, b BOOLEAN, d TIMESTAMPTZ, x BYTEA)"),
                SQLStatement("INSERT INTO kinds VALUES (?, ?, ?, ?, ?)",
                             [.text("it's \"quoted\" ? ünï"), .integer(Int64.min), .boolean(true), .date(date), .blob(bytes)]),
                SQLStatement("INSERT INTO kinds VALUES (?, ?, ?, ?, ?)",
                             [.text(""), .integer(Int64.max), .boolean(false), .date(Date(timeIntervalSince1970: 0)), .blob([])]),
                SQLStatement("INSERT INTO kinds VALUES (?, ?, ?, ?, ?)", [.null, .null, .null, .null, .null]),
            ])
            let rows = try await backend.read(SQLStatement("SELECT t, n, b, d, x FROM kinds ORDER BY n NULLS LAST"))
            try #require(rows.count == 3)
            #expect(rows[0]["t"] == .text("it's \"quoted\" ? ünï"))
            #expect(rows[0]["n"] == .integer(Int64.min))
            #expect(rows[0]["b"] == .boolean(true))
            #expect(rows[0]["x"] == .blob(bytes))
            guard case .date(let read) = rows[0]["d"] else { Issue.record("d is \(rows[0]["d"])"); return }
            #expect((read.timeIntervalSince1970 * 1000).rounded() == 1_700_000_000_123, "the milliseconds are kept")
            #expect(rows[1]["t"] == .text(""))
            #expect(rows[1]["n"] == .integer(Int64.max))
            #expect(rows[1]["b"] == .boolean(false))
            #expect(rows[1]["d"] == .date(Date(timeIntervalSince1970: 0)))
            #expect(rows[1]["x"] == .blob([]))
            #expect(rows[2].values == ["t": .null, "n": .null, "b": .null, "d": .null, "x": .null])
        }
    }

    @Test func narrowerTypesReadAsTheirKind() async throws {
        try await withBackend("narrow types") { backend, _ in
            let row = try #require(try await backend.read(SQLStatement(
                "SELECT 7::int2 AS small, 8::int4 AS regular, 'v'::varchar AS chars, 'n'::name AS label, "
                    + "timestamp '2024-01-02 03:04:05.678' AS local, pg_advisory_xact_lock(1) AS locked")).first)
            #expect(row["small"] == .integer(7))
            #expect(row["regular"] == .integer(8))
            #expect(row["chars"] == .text("v"))
            #expect(row["label"] == .text("n"))
            #expect(row["local"] == .date(Date(timeIntervalSince1970: 1_704_164_645.678)))
            #expect(row["locked"] == .null, "void, what a function called for its effect returns")
        }
    }

    @Test func questionMarksInLiteralsIdentifiersAndCommentsAreNotPlaceholders() async throws {
        try await withBackend("placeholders") { backend, _ in
            let row = try #require(try await backend.read(SQLStatement(
                "SELECT ? AS first, 'why?' AS literal, 'it''s ?' AS doubled, 1 AS \"who?\", -- what?\n"
                    + "? AS second /* or? */", [.text("one"), .integer(2)])).first)
            #expect(row["first"] == .text("one"))
            #expect(row["literal"] == .text("why?"))
            #expect(row["doubled"] == .text("it's ?"))
            #expect(row["who?"] == .integer(1))
            #expect(row["second"] == .integer(2))

            await #expect(throws: StoreError.engine("the statement has 1 placeholders but 2 arguments: SELECT ?")) {
                try await backend.read(SQLStatement("SELECT ?", [.integer(1), .integer(2)]))
            }
        }
    }

    @Test func aFailingStatementUndoesTheTransaction() async throws {
        try await withBackend("rollback") { backend, _ in
            _ = try await backend.transaction(SQLStatement("CREATE TABLE items (name TEXT)"))
            do {
                _ = try await backend.transaction([
                    SQLStatement("INSERT INTO items VALUES (?)", [.text("first")]),
                    SQLStatement("INSERT INTO missing VALUES (?)", [.text("second")]),
                ])
                Issue.record("the transaction succeeded")
            } catch let error as StoreError {
                #expect(error == .engine("relation \"missing\" does not exist (SQLSTATE 42P01)"))
            }
            #expect(try await backend.read(SQLStatement("SELECT count(*) AS n FROM items")) == [SQLRow(["n": .integer(0)])])
            // The connection went back to the pool usable, out of the failed transaction.
            _ = try await backend.transaction(SQLStatement("INSERT INTO items VALUES (?)", [.text("third")]))
            #expect(try await backend.read(SQLStatement("SELECT name FROM items")) == [SQLRow(["name": .text("third")])])
        }
    }

    @Test func aDuplicateIsAUniqueViolationNamingTheConstraint() async throws {
        try await withBackend("unique") { backend, _ in
            _ = try await backend.transaction([
                SQLStatement("CREATE TABLE hosts (name TEXT, CONSTRAINT hosts_name_unique UNIQUE (name))"),
                SQLStatement("INSERT INTO hosts VALUES (?)", [.text("a")]),
            ])
            await #expect(throws: StoreError.uniqueViolation("hosts_name_unique")) {
                try await backend.transaction(SQLStatement("INSERT INTO hosts VALUES (?)", [.text("a")]))
            }
        }
    }

    /// A row another session commits between two statements of one `read` is not seen by the second: the
    /// read is one REPEATABLE READ snapshot. The other session is dblink's, opened by the read's own
    /// middle statement, so the commit falls between the two counts without any timing.
    @Test func aReadIsOneSnapshotAndReadOnly() async throws {
        try await withBackend("snapshot") { backend, url in
            let server = try await server()
            let database = try #require(url.split(separator: "/").last?.split(separator: "?").first.map(String.init))
            try await server.psql("CREATE EXTENSION dblink", database: database)
            _ = try await backend.transaction([
                SQLStatement("CREATE TABLE events (id BIGINT)"),
                SQLStatement("INSERT INTO events VALUES (1)"),
            ])
            let other = "host=127.0.0.1 port=\(server.port) dbname=\(database) user=\(server.user) password=\(server.password)"
            let results = try await backend.read([
                SQLStatement("SELECT count(*) AS n FROM events"),
                SQLStatement("SELECT dblink_exec(?, 'INSERT INTO events VALUES (2)') AS done", [.text(other)]),
                SQLStatement("SELECT count(*) AS n FROM events"),
            ])
            #expect(results[1] == [SQLRow(["done": .text("INSERT 0 1")])], "the other session committed its row")
            #expect(results[0] == [SQLRow(["n": .integer(1)])])
            #expect(results[2] == [SQLRow(["n": .integer(1)])], "the snapshot does not see it")
            #expect(try await backend.read(SQLStatement("SELECT count(*) AS n FROM events")) == [SQLRow(["n": .integer(2)])])

            await #expect(throws: StoreError.engine("cannot execute INSERT in a read-only transaction (SQLSTATE 25006)")) {
                try await backend.read(SQLStatement("INSERT INTO events VALUES (3)"))
            }
        }
    }

    @Test func aColumnOfAnotherTypeIsAnEngineError() async throws {
        try await withBackend("unknown type") { backend, _ in
            do {
                _ = try await backend.read(SQLStatement("SELECT 1 AS fine, 1.5::float8 AS ratio"))
                Issue.record("a float8 column was read")
            } catch StoreError.engine(let message) {
                #expect(message.contains("column ratio has PostgreSQL type DOUBLE PRECISION (oid 701)"), "\(message)")
            }
            // NULL or not: the type decides.
            await #expect(throws: StoreError.self) {
                try await backend.read(SQLStatement("SELECT NULL::uuid AS id"))
            }
        }
    }

    @Test func twoBackendsOnOneDatabaseSeeEachOthersCommits() async throws {
        try await withBackend("two instances") { first, url in
            let second = try await PostgresBackend.connect(url: url)
            try await withCleanUp({
                _ = try await first.transaction(SQLStatement("CREATE TABLE runs (owner TEXT)"))
                _ = try await first.transaction(SQLStatement("INSERT INTO runs VALUES (?)", [.text("first")]))
                #expect(try await second.read(SQLStatement("SELECT owner FROM runs")) == [SQLRow(["owner": .text("first")])])
                _ = try await second.transaction(SQLStatement("INSERT INTO runs VALUES (?)", [.text("second")]))
                #expect(try await first.read(SQLStatement("SELECT owner FROM runs ORDER BY owner")).map { $0["owner"] }
                        == [.text("first"), .text("second")])
            }, cleanUp: { await second.close() })
        }
    }

    @Test func closeEndsTheClientsConnections() async throws {
        let server = try await server()
        let url = try await TestDatabase.freshDatabase(label: "close")
        let database = try #require(url.split(separator: "/").last?.split(separator: "?").first.map(String.init))
        let backend = try await PostgresBackend.connect(url: url)
        let sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)' AND application_name = 'zstack-deploy'"
        _ = try await backend.read(SQLStatement("SELECT 1 AS one"))
        #expect(try await server.psql(sessions) == "1\n", "the pool keeps its connection open")

        await backend.close()
        #expect(try await eventually(within: .seconds(10)) { try await server.psql(sessions) == "0\n" },
                "the server saw the connection end")
        await #expect(throws: StoreError.engine("the PostgreSQL store at \(location(url)) is closed")) {
            try await backend.read(SQLStatement("SELECT 1 AS one"))
        }
    }

    @Test func aWrongPasswordSaysSoWithoutThePassword() async throws {
        let url = try await TestDatabase.freshDatabase(label: "wrong password")
        let server = try await server()
        let wrong = url.replacingOccurrences(of: ":\(server.password)@", with: ":not-the-Secret@")
        do {
            _ = try await PostgresBackend.connect(url: wrong)
            Issue.record("connected with a wrong password")
        } catch StoreError.engine(let message) {
            #expect(message == "cannot connect to PostgreSQL at \(location(url)): "
                    + "password authentication failed for user \"zstack\" (SQLSTATE 28P01)")
            #expect(!message.contains("not-the-Secret") && !message.contains(server.password))
        }
    }

    @Test func anUnreachablePortSaysWhereWithoutThePassword() async throws {
        do {
            _ = try await PostgresBackend.connect(url: "postgres://zstack:Secret-1@127.0.0.1:3011/zstack?sslmode=disable")
            Issue.record("connected to a port nothing listens on")
        } catch StoreError.engine(let message) {
            #expect(message.hasPrefix("cannot connect to PostgreSQL at postgres://zstack@127.0.0.1:3011/zstack?sslmode=disable: "), "\(message)")
            #expect(message.contains("Connection refused"), "\(message)")
            #expect(!message.contains("Secret-1"))
        }
    }

    @Test func aServerWithoutTLSIsRefusedUnlessTLSIsOff() async throws {
        let url = try await TestDatabase.freshDatabase(label: "tls required")
        for mode in ["", "?sslmode=require", "?sslmode=verify-full"] {
            let withTLS = url.replacingOccurrences(of: "?sslmode=disable", with: mode)
            await #expect(throws: StoreError.engine("cannot connect to PostgreSQL at \(location(withTLS)): "
                                                    + "the server does not offer TLS (connect with ?sslmode=disable only on a trusted network)")) {
                try await PostgresBackend.connect(url: withTLS)
            }
        }
    }

    /// A server that goes away under a running backend: the pool retries for its 60 s, then the request
    /// fails with why (the backend's own connection attempt), and the backend works again once the server is
    /// back. Its own server, on port 3013.
    @Test func aServerThatGoesAwayIsReportedAndABackendRecovers() async throws {
        let server = try await PostgresServer.start(port: 3013)
        defer { server.stop() }
        let backend = try await PostgresBackend.connect(url: server.url)
        try await withCleanUp({
            _ = try await backend.transaction(SQLStatement("CREATE TABLE beats (n BIGINT)"))
            try await server.pause()
            do {
                _ = try await backend.transaction(SQLStatement("INSERT INTO beats VALUES (1)"))
                Issue.record("a statement ran with the server stopped")
            } catch StoreError.engine(let message) {
                #expect(message.hasPrefix("cannot connect to PostgreSQL at \(location(server.url)): the server cannot be reached"),
                        "\(message)")
                #expect(!message.contains(server.password))
            }
            try await server.resume()
            // The pool retries on its own back-off (up to a minute apart); until it succeeds a request fails at
            // once, saying that the server answers again.
            let recovered = await eventually(within: .seconds(120)) {
                (try? await backend.transaction(SQLStatement("INSERT INTO beats VALUES (2)"))) != nil
            }
            #expect(recovered)
            #expect(try await backend.read(SQLStatement("SELECT n FROM beats")) == [SQLRow(["n": .integer(2)])])
        }, cleanUp: { await backend.close() })
    }

    @Test(arguments: [
        ("mysql://u:Secret-1@127.0.0.1:3011/db", "the scheme must be postgres or postgresql, not 'mysql'"),
        ("//u:Secret-1@127.0.0.1:3011/db", "the scheme must be postgres or postgresql, not missing"),
        ("postgres://u:Secret-1@127.0.0.1:port/db", "it is not a URL"),
        ("postgres://u:Secret-1@127.0.0.1:70000/db", "port 70000 is out of range"),
        ("postgres://Secret-1@/db", "it names no host"),
        ("postgres://127.0.0.1:3011/db", "it names no user"),
        ("postgres://u:Secret-1@127.0.0.1:3011", "it names no database"),
        ("postgres://u:Secret-1@127.0.0.1:3011/a/b", "the database name 'a/b' contains '/'"),
        ("postgres://u:Secret-1@127.0.0.1:3011/db?sslmode=prefer", "sslmode 'prefer' is not one of disable, require, verify-full"),
        ("postgres://u:Secret-1@127.0.0.1:3011/db?sslmode=disable&sslrootcert=/ca.pem", "sslrootcert is given but sslmode=disable"),
        ("postgres://u:Secret-1@127.0.0.1:3011/db?timeout=3", "unknown parameter 'timeout'"),
    ])
    func aMalformedURLSaysWhatIsWrong(url: String, reason: String) async throws {
        do {
            _ = try await PostgresBackend.connect(url: url)
            Issue.record("\(url) was accepted")
        } catch StoreError.engine(let message) {
            #expect(message.hasPrefix("malformed PostgreSQL URL: \(reason)"), "\(message)")
            #expect(!message.contains("Secret-1"))
        }
    }

    @Test func theLocationIsTheURLWithoutItsPassword() throws {
        #expect(try PostgresURL("postgresql://zs%40deploy:p%40ss@db.example:6543/inv%20entory?sslmode=require").location
                == "postgresql://zs%40deploy@db.example:6543/inv%20entory?sslmode=require")
        let parsed = try PostgresURL("postgresql://zs%40deploy:p%40ss@db.example:6543/inv%20entory?sslmode=require")
        #expect(parsed.username == "zs@deploy" && parsed.password == "p@ss" && parsed.database == "inv entory")
        #expect(parsed.tlsMode == .require)
        #expect(try PostgresURL("postgres://u@h/db").tlsMode == .verifyFull, "TLS, verified, unless turned off")
        #expect(try PostgresURL("postgres://u@h/db").port == 5432)
    }

    private func location(_ url: String) -> String {
        (try? PostgresURL(url).location) ?? "?"
    }
}
