import Foundation

/// A loopback sshd test host from scripts/test-host: an address and ssh port, client keys authorised for
/// root and the test user, a pinned host key, and a private root directory the playbooks install into.
/// The one launcher of test hosts for every suite (SSH, agents' SFTP transfers, packaging, deployer).
public struct TestHost: Sendable {
    public var name: String
    public var address: String
    public var sshPort: Int
    /// The host's own directory (keys, sshd_config, sshd.pid); `root` is inside it.
    public var directory: URL
    public var root: URL
    /// The OpenSSH ed25519 client key.
    public var key: String
    /// The PEM RSA client key.
    public var rsaKey: String
    /// The unprivileged user that logs in with `password` (scripts/test-host creates it).
    public var user: String
    public var password: String
    /// The SHA256 fingerprint of the host key, as `ssh-keygen -l` prints it.
    public var fingerprint: String

    private static var script: String { Repository.root.appendingPathComponent("scripts/test-host").path }

    /// Where scripts/test-host keeps its hosts.
    private static var hostsDirectory: String {
        ProcessInfo.processInfo.environment["ZSTACK_TEST_HOSTS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/zstack-test-hosts"
    }

    /// `test-host` (re)writes the shared test user's password with chpasswd, which fails when two run at
    /// once: the hosts of this process start one after another.
    private static let starts = SerialQueue()

    /// Starts host `name` on `address:sshPort` (or keeps it, if it runs). `sshdConfig` lines are added to a
    /// new host's sshd_config, for a test that needs a non-default server.
    /// - Parameters:
    ///   - bindMounts: target → source directory: what the host's sshd (and every session on it) sees at the
    ///     target path, for a host that stands for another machine with the same paths (a second KVM host's
    ///     storage root). With this or `rootPassword` sshd runs in a mount namespace of its own.
    ///   - rootPassword: root logs in with this password on this host only.
    public static func start(
        name: String, address: String, sshPort: Int, sshdConfig: String = "", bindMounts: [String: String] = [:],
        rootPassword: String? = nil
    ) async throws -> TestHost {
        let environment = [
            "ZSTACK_TEST_SSHD_CONFIG": sshdConfig,
            "ZSTACK_TEST_BIND_MOUNTS": bindMounts.map { "\($0.value):\($0.key)" }.joined(separator: "\n"),
            "ZSTACK_TEST_ROOT_PASSWORD": rootPassword ?? "",
        ]
        let result = try await starts.run {
            try await Program.check([script, "start", name, address, String(sshPort)], environment: environment)
        }
        var values: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        func value(_ key: String) throws -> String {
            guard let value = values[key], !value.isEmpty else {
                throw ProgramError(description: "test-host printed no \(key): \(result.transcript)")
            }
            return value
        }
        return TestHost(
            name: name, address: address, sshPort: sshPort, directory: URL(fileURLWithPath: try value("DIR")),
            root: URL(fileURLWithPath: try value("ROOT")), key: try value("KEY"), rsaKey: try value("RSA_KEY"),
            user: try value("USER"), password: try value("PASSWORD"), fingerprint: try value("HOST_KEY_FINGERPRINT"))
    }

    /// Stops the host and deletes its directory, as `test-host stop` does; never throws, so it can run in
    /// `defer`. Synchronous for that reason: it signals sshd and waits the few milliseconds sshd takes to
    /// exit on SIGTERM (at most 3 s) rather than running the script.
    public static func stop(name: String) {
        let directory = hostsDirectory + "/" + name
        if let pid = Processes.pid(inFile: URL(fileURLWithPath: directory + "/sshd.pid")), Processes.isAlive(pid) {
            kill(pid, SIGTERM)
            for _ in 0..<300 where Processes.isAlive(pid) { usleep(10_000) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts a host for `body` and stops it however `body` ends; a leftover of an earlier run with the same
    /// name is stopped first, so the host is fresh.
    public static func with<T>(
        name: String, address: String, sshPort: Int, sshdConfig: String = "", bindMounts: [String: String] = [:],
        rootPassword: String? = nil, _ body: (TestHost) async throws -> T
    ) async throws -> T {
        stop(name: name)
        defer { stop(name: name) }
        return try await body(try await start(name: name, address: address, sshPort: sshPort, sshdConfig: sshdConfig,
                                              bindMounts: bindMounts, rootPassword: rootPassword))
    }
}
