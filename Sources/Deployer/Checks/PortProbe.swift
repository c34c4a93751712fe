import NIOCore
import NIOPosix

/// Whether something accepts TCP connections on a port (ZStack's isRemotePortOpen).
enum PortProbe {
    static func isOpen(host: String, port: Int, timeout: Duration) async -> Bool {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                + timeout.components.attoseconds / 1_000_000_000))
        guard let channel = try? await bootstrap.connect(host: host, port: port).get() else { return false }
        try? await channel.close()
        return true
    }
}
