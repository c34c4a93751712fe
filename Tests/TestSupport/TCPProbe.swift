import NIOCore
import NIOPosix

/// Whether a loopback port takes new TCP connections: what a caller sees once a listener has closed,
/// regardless of keep-alive connections a pooled HTTP client may still hold.
public enum TCPProbe {
    public static func accepts(port: Int) async -> Bool {
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
    public static func waitUntilClosed(port: Int, timeout: Duration) async -> Bool {
        await eventually(within: timeout) { await !accepts(port: port) }
    }
}
