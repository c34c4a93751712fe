import TestSupport
import AgentClient

extension AgentSpec {
    /// Waits until the agent at `address:port` answers its echo path, the way the management node does
    /// after a deployment (an init script returns once the process runs, not once it listens).
    func expectEcho(address: String, port: Int) async throws {
        try await AgentClient(host: address, port: port).waitForEcho(echoPath, timeout: .seconds(30))
    }
}
