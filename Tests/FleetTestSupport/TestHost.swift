import Foundation

/// A loopback sshd test host from scripts/test-host: an address, an ssh port, a client key for root
/// and a private root directory the playbooks install into.
public struct TestHost: Sendable {
    public var name: String
    public var address: String
    public var sshPort: Int
    public var root: URL
    public var key: String
    /// The unprivileged user that logs in with `password` (scripts/test-host creates it).
    public var user: String
    public var password: String

    private static var script: String { Repository.root.appendingPathComponent("scripts/test-host").path }

    public static func start(name: String, address: String, sshPort: Int) throws -> TestHost {
        let result = try Program.check([script, "start", name, address, String(sshPort)])
        var values: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        guard let root = values["ROOT"], let key = values["KEY"], let user = values["USER"],
              let password = values["PASSWORD"]
        else {
            throw ProgramError(description: "test-host printed no ROOT/KEY/USER/PASSWORD: \(result.transcript)")
        }
        return TestHost(name: name, address: address, sshPort: sshPort, root: URL(fileURLWithPath: root), key: key,
                        user: user, password: password)
    }

    /// Stops the host and deletes its directory; never throws, so it can run in `defer`.
    public static func stop(name: String) {
        _ = try? Program.run([script, "stop", name])
    }
}
