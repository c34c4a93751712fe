import NIOCore
import NIOPosix

/// Whether a loopback port takes new TCP connections: what a caller sees once a listener has closed,
/// regardless of keep-alive connections a pooled HTTP client may still hold.
enum TCPProbe {
    static func accepts(port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(2))
                .connect(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    /// Polls until the port refuses connections; false if it still accepts them after `timeout`.
    static func waitUntilClosed(port: Int, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await !accepts(port: port) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
