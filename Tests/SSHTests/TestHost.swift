import TestSupport

/// Every test uses its own host on its own address so tests run in parallel without sharing state:
/// exec 21-29, auth 31-39, host keys 41-49, connect/timeouts 51-59, SFTP 61-69 (port 2300 + octet); the RSA
/// login against a default server on 127.0.73.1:2740.
extension TestHost {
    /// Starts host `ssh-tests-<name>` on `127.0.0.<octet>:<2300 + octet>` (a default-configured sshd), runs
    /// `body`, and stops the host however `body` ends.
    static func with<T>(_ name: String, octet: Int, _ body: (TestHost) async throws -> T) async throws -> T {
        try await with(name: "ssh-tests-\(name)", address: "127.0.0.\(octet)", sshPort: 2300 + octet, body)
    }
}
