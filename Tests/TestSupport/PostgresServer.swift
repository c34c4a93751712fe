import Foundation

/// A real PostgreSQL 15 (Debian's postgresql-15, which scripts/install-deps installs) for one test or one
/// suite: a fresh cluster of its own, run as the `postgres` user (the server refuses root), listening on
/// 127.0.0.1 and the caller's port, its unix socket inside its data directory. Host connections
/// authenticate with SCRAM; the socket trusts its only possible users (root and postgres: the directory is
/// postgres's, mode 0700) and serves the set-up commands.
///
/// The cluster lives in `/tmp/zstack-postgres-<port>`, one directory a port, with the pid of the test process
/// that made it: a start first stops and removes what a killed test process left there (the next run would
/// otherwise meet the old server on its port), but refuses, saying so, while that process still runs.
public struct PostgresServer: Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"

    public let port: Int
    /// `/tmp/zstack-postgres-<port>`: the data directory, its log and the socket are inside.
    public let directory: String
    /// The password-authenticated role that owns the test databases.
    public let user = "zstack"
    public let password: String
    /// The database made at start.
    public let database = "zstack"
    /// With `tls`, the server's self-signed certificate, for the name localhost only (not for the address
    /// 127.0.0.1): the root a client must trust.
    public let certificate: String?

    public var dataDirectory: String { directory + "/data" }
    /// A URL for `database` (or the first database) without TLS.
    public var url: String { url(database: database) }

    public func url(database: String) -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    private init(port: Int, password: String, tls: Bool) {
        self.port = port
        directory = Self.directory(port: port)
        self.password = password
        certificate = tls ? directory + "/server.crt" : nil
    }

    private static func directory(port: Int) -> String { "/tmp/zstack-postgres-\(port)" }

    /// Makes and starts a cluster on `port` and returns once it accepts connections; with `tls` it also
    /// offers TLS, with a certificate made for it (``certificate``).
    public static func start(port: Int, tls: Bool = false) async throws -> PostgresServer {
        try removeLeftover(port: port)
        let server = PostgresServer(port: port, password: randomHex(bytes: 16), tls: tls)
        do {
            try await server.create()
            if tls { try await server.makeCertificate() }
            try await server.resume()
            try await server.psql("CREATE ROLE \(server.user) LOGIN PASSWORD '\(server.password)'")
            try await server.createDatabase(server.database)
        } catch {
            let log = (try? String(contentsOfFile: server.directory + "/server.log", encoding: .utf8)) ?? ""
            server.stop()
            throw ProgramError(description: "PostgreSQL on port \(port) did not start: \(error)\n--- server.log\n\(log)")
        }
        return server
    }

    /// Starts a server for `body` and stops it however `body` ends.
    public static func with<T>(port: Int, tls: Bool = false, _ body: (PostgresServer) async throws -> T) async throws -> T {
        let server = try await start(port: port, tls: tls)
        defer { server.stop() }
        return try await body(server)
    }

    /// Creates an empty database `name`, owned by ``user``, and returns its URL.
    @discardableResult
    public func createDatabase(_ name: String) async throws -> String {
        try await psql("CREATE DATABASE \"\(name)\" OWNER \(user)")
        return url(database: name)
    }

    /// Runs SQL as the superuser over the socket (for what the test role may not do, or to look at the
    /// server from outside the code under test); returns psql's unaligned, tuples-only output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        try await postgres(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dataDirectory,
                            "-p", String(port), "-d", database, "-c", sql])
    }

    /// Stops the server but keeps its cluster, for a test of an outage; ``resume()`` starts it again.
    public func pause() async throws {
        try await postgres(["pg_ctl", "stop", "--wait", "-m", "fast", "-D", dataDirectory])
    }

    /// Starts the cluster and waits until it accepts connections.
    public func resume() async throws {
        try await postgres(["pg_ctl", "start", "--wait", "--timeout=60", "-D", dataDirectory,
                            "-l", directory + "/server.log", "-o", serverOptions])
    }

    /// Stops the server (fast shutdown: sessions are ended, not waited for) and deletes its directory;
    /// never throws, so it runs from `defer` and at process exit. Signals the postmaster (SIGINT is what
    /// `pg_ctl stop -m fast` sends) and waits for it rather than running pg_ctl: no subprocess, so it also
    /// works from an atexit handler.
    public func stop() {
        Self.stop(directory: directory)
    }

    private static func removeLeftover(port: Int) throws {
        let directory = directory(port: port)
        if let owner = Processes.pid(inFile: URL(fileURLWithPath: directory + "/owner.pid")), owner != getpid(),
           Processes.isAlive(owner) {
            throw ProgramError(description: "port \(port) belongs to the PostgreSQL server of test process \(owner), "
                               + "which still runs: one test process at a time can use it")
        }
        stop(directory: directory)
    }

    private static func stop(directory: String) {
        // postmaster.pid's first line is the pid; the others say where it listens.
        let pidFile = (try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)) ?? ""
        if let pid = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }), Processes.isAlive(pid),
           Processes.command(of: pid) == "postgres" {
            kill(pid, SIGINT)
            // Fast shutdown takes milliseconds; a server that ignores it is ended after 10 s.
            for _ in 0..<1000 where Processes.isAlive(pid) { usleep(10_000) }
            if Processes.isAlive(pid) { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private var serverOptions: String {
        let tls = certificate.map { " -c ssl=on -c ssl_cert_file=\($0) -c ssl_key_file=\(directory)/server.key" } ?? ""
        return "-c listen_addresses=127.0.0.1 -p \(port) -k \(dataDirectory) -c fsync=off" + tls
    }

    /// A self-signed P-256 certificate for localhost, its key readable by postgres alone (the server
    /// refuses a key others can read).
    private func makeCertificate() async throws {
        try await postgresUser(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                                "-keyout", directory + "/server.key", "-out", directory + "/server.crt"])
    }

    /// initdb into a fresh directory that belongs to postgres.
    private func create() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        try "\(getpid())\n".write(toFile: directory + "/owner.pid", atomically: true, encoding: .utf8)
        try await Program.check(["chown", "postgres:postgres", directory])
        try await postgres(["initdb", "-D", dataDirectory, "-U", "postgres", "--auth-local=trust",
                            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
    }

    /// Runs a PostgreSQL program as postgres.
    @discardableResult
    private func postgres(_ argv: [String]) async throws -> String {
        try await postgresUser([Self.binaries + "/" + argv[0]] + argv.dropFirst())
    }

    /// Runs `argv` as postgres, in the server's directory (postgres may not enter root's).
    @discardableResult
    private func postgresUser(_ argv: [String]) async throws -> String {
        try await Program.check(["runuser", "-u", "postgres", "--"] + argv, in: URL(fileURLWithPath: directory)).output
    }

    private static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
