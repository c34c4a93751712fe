import Foundation
import Synchronization
import Testing

/// A loopback sshd started with `scripts/test-host`, as the tests' stand-in for a real server.
struct TestHost: Sendable {
    let name: String
    let address: String
    let port: Int
    let directory: String
    let ed25519Key: String
    let rsaKey: String
    let user: String
    let password: String
    let fingerprint: String

    /// The repository's root, found from this file's location so tests run from any working directory.
    static let repositoryRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// `test-host` (re)writes the shared test user's password with chpasswd, which fails when two run at
    /// once; tests in this process take turns starting hosts.
    private static let startLock = Mutex(())

    /// Starts host `name` on `127.0.0.<octet>:<port>`, runs `body`, and stops the host however `body` ends.
    static func with<T>(
        _ name: String, octet: Int, port: Int, _ body: (TestHost) async throws -> T
    ) async throws -> T {
        let host = try startLock.withLock { _ in try start(name: "ssh-tests-\(name)", octet: octet, port: port) }
        defer { _ = try? Command.run(["\(repositoryRoot)/scripts/test-host", "stop", host.name]) }
        return try await body(host)
    }

    private static func start(name: String, octet: Int, port: Int) throws -> TestHost {
        let output = try Command.run(
            ["\(repositoryRoot)/scripts/test-host", "start", name, "127.0.0.\(octet)", String(port)])
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        func value(_ key: String) throws -> String {
            guard let value = values[key], !value.isEmpty else {
                throw TestFailure("test-host printed no \(key): \(output)")
            }
            return value
        }
        return TestHost(
            name: name, address: try value("ADDRESS"), port: Int(try value("PORT")) ?? 0,
            directory: try value("DIR"), ed25519Key: try value("KEY"), rsaKey: try value("RSA_KEY"),
            user: try value("USER"), password: try value("PASSWORD"),
            fingerprint: try value("HOST_KEY_FINGERPRINT"))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs local helper programs (argv only) for the tests.
enum Command {
    /// Runs `argv` and returns its stdout; throws with stderr when it exits non-zero.
    @discardableResult
    static func run(_ argv: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(filePath: argv[0].hasPrefix("/") ? argv[0] : "/usr/bin/env")
        process.arguments = argv[0].hasPrefix("/") ? Array(argv.dropFirst()) : argv
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure(
                "\(argv.joined(separator: " ")) exited \(process.terminationStatus): "
                    + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }
}
