import Foundation

/// A loopback sshd test host from scripts/test-host: an address, an ssh port, a client key for root
/// and a private root directory the playbooks install into.
struct TestHost {
    var name: String
    var address: String
    var sshPort: Int
    var root: URL
    var key: String

    private static var script: String { Repository.root.appendingPathComponent("scripts/test-host").path }

    static func start(name: String, address: String, sshPort: Int) throws -> TestHost {
        let result = try Program.check([script, "start", name, address, String(sshPort)])
        var values: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        guard let root = values["ROOT"], let key = values["KEY"] else {
            throw ProgramError(description: "test-host printed no ROOT/KEY: \(result.transcript)")
        }
        return TestHost(name: name, address: address, sshPort: sshPort, root: URL(fileURLWithPath: root), key: key)
    }

    /// Stops the host and deletes its directory; never throws, so it can run in `defer`.
    static func stop(name: String) {
        _ = try? Program.run([script, "stop", name])
    }
}
