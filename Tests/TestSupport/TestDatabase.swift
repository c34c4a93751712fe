import Foundation
import Synchronization

/// Which engine the deployer's tests put their store on. With `ZSTACK_TEST_DATABASE=postgres` each caller
/// gets a fresh database on one PostgreSQL server that the test process starts on first use (port 3029) and
/// stops when it exits; otherwise `url(label:)` is nil and the tests keep their SQLite files.
public enum TestDatabase {
    /// 3029, or `ZSTACK_TEST_DATABASE_PORT` (one of 3010-3029) for a second test process run beside one that
    /// has it.
    public static let port = ProcessInfo.processInfo.environment["ZSTACK_TEST_DATABASE_PORT"].flatMap { Int($0) } ?? 3029

    public static var usesPostgres: Bool {
        ProcessInfo.processInfo.environment["ZSTACK_TEST_DATABASE"] == "postgres"
    }

    /// A fresh database's URL, or nil when the tests run on SQLite.
    public static func url(label: String) async throws -> String? {
        guard usesPostgres else { return nil }
        return try await freshDatabase(label: label)
    }

    /// A fresh, empty database on the process's server (started now if it is not yet), named after `label`
    /// and numbered, so two callers with one label still get a database each.
    public static func freshDatabase(label: String) async throws -> String {
        let server = try await server()
        return try await server.createDatabase(databaseName(label: label, number: counter.add(1, ordering: .relaxed).newValue))
    }

    /// The process's server, started now if it is not yet.
    public static func server() async throws -> PostgresServer {
        try await shared.server()
    }

    /// `label` in lower case with every character but a-z, 0-9 and _ made _, after a letter, cut to fit
    /// PostgreSQL's 63-byte names with its number.
    public static func databaseName(label: String, number: Int) -> String {
        let cleaned = String(label.lowercased().unicodeScalars.map { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" ? Character(scalar) : "_"
        })
        return "t_" + cleaned.prefix(50) + "_\(number)"
    }

    private static let counter = Atomic<Int>(0)
    private static let shared = SharedServer()

    /// Starts the server once, for every test that asks at the same time, and stops it at exit.
    private actor SharedServer {
        private var start: Task<PostgresServer, any Error>?

        func server() async throws -> PostgresServer {
            if let start { return try await start.value }
            let task = Task { () throws -> PostgresServer in
                let server = try await PostgresServer.start(port: TestDatabase.port)
                TestDatabase.running.withLock { $0 = server }
                // An atexit handler is a C function: it finds the server through `running`, and stops it
                // synchronously (PostgresServer.stop signals and waits, no subprocess).
                atexit { TestDatabase.running.withLock { $0?.stop() } }
                return server
            }
            start = task
            return try await task.value
        }
    }

    private static let running = Mutex<PostgresServer?>(nil)
}
