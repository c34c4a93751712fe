import Foundation
import Synchronization
import Testing

/// A loopback sshd started with `scripts/test-host`, as the tests' stand-in for a real server.
///
/// Every test uses its own host on its own address so tests run in parallel without sharing state:
/// exec 21-29, auth 31-39, host keys 41-49, connect/timeouts 51-59, SFTP 61-69 (port 2300 + octet).
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

    /// Starts host `name` on `127.0.0.<octet>:<2300 + octet>`, runs `body`, and stops the host however `body` ends.
    /// `sshdConfig` lines are added to the host's sshd_config (for a non-default server).
    static func with<T>(
        _ name: String, octet: Int, sshdConfig: String = "", _ body: (TestHost) async throws -> T
    ) async throws -> T {
        let fullName = "ssh-tests-\(name)"
        defer { _ = try? Command.run(["\(repositoryRoot)/scripts/test-host", "stop", fullName]) }
        let host = try startLock.withLock { _ in
            try start(name: fullName, octet: octet, port: 2300 + octet, sshdConfig: sshdConfig)
        }
        return try await body(host)
    }

    private static func start(name: String, octet: Int, port: Int, sshdConfig: String) throws -> TestHost {
        let output = try Command.run(
            ["\(repositoryRoot)/scripts/test-host", "start", name, "127.0.0.\(octet)", String(port)],
            environment: ["ZSTACK_TEST_SSHD_CONFIG": sshdConfig])
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
