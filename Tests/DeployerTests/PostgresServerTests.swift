import Deployer
import Foundation
import TestSupport
import Testing

/// TestSupport's PostgreSQL: a server of a test's own (port 3010) goes away with its directory however the
/// test ends, and TestDatabase hands out fresh databases on the process's server.
@Suite(.serialized) struct PostgresServerTests {
    @Test func aServerOfItsOwnIsStoppedAndRemovedEvenWhenTheTestThrows() async throws {
        struct Failed: Error {}
        var directory = ""
        await #expect(throws: Failed.self) {
            try await PostgresServer.with(port: 3010) { server in
                directory = server.directory
                #expect(FileManager.default.fileExists(atPath: server.dataDirectory + "/PG_VERSION"))
                #expect(try await server.psql("SELECT current_setting('listen_addresses'), current_setting('port')")
                        == "127.0.0.1|3010\n")
                #expect(try await server.psql("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'zstack'")
                        == "t\n", "the test role's password is stored as SCRAM")
                let owner = try FileManager.default.attributesOfItem(atPath: server.dataDirectory)[.ownerAccountName] as? String
                #expect(owner == "postgres")
                let backend = try await PostgresBackend.connect(url: server.url)
                await backend.close()
                throw Failed()
            }
        }
        #expect(!directory.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(!(await TCPProbe.accepts(port: 3010)))
    }

    @Test func aLeftoverServerOnThePortIsReplaced() async throws {
        let leftover = try await PostgresServer.start(port: 3010)
        let fresh = try await PostgresServer.start(port: 3010)
        defer { fresh.stop() }
        #expect(fresh.password != leftover.password)
        let backend = try await PostgresBackend.connect(url: fresh.url)
        await backend.close()
    }

    @Test func testDatabaseIsNilUnlessTheTestsRunOnPostgres() async throws {
        let url = try await TestDatabase.url(label: "engine choice")
        #expect((url != nil) == (ProcessInfo.processInfo.environment["ZSTACK_TEST_DATABASE"] == "postgres"))
    }

    @Test func freshDatabasesAreSeparateAndNamedAfterTheirLabel() async throws {
        let first = try await TestDatabase.freshDatabase(label: "Fleet Tests/α")
        let second = try await TestDatabase.freshDatabase(label: "Fleet Tests/α")
        #expect(first != second)
        #expect(first.contains("@127.0.0.1:\(TestDatabase.port)/t_fleet_tests___"))
        let one = try await PostgresBackend.connect(url: first)
        let two = try await PostgresBackend.connect(url: second)
        _ = try await one.transaction([SQLStatement("CREATE TABLE mine (x BIGINT)")])
        await #expect(throws: StoreError.engine("relation \"mine\" does not exist (SQLSTATE 42P01)")) {
            try await two.read([SQLStatement("SELECT x FROM mine")])
        }
        await one.close()
        await two.close()
        #expect(TestDatabase.databaseName(label: String(repeating: "x", count: 80), number: 12).utf8.count <= 63)
    }
}
