import NIOCore
import NIOPosix

/// A bare TCP connection to a loopback port, for what an HTTP client hides: whether the agent closes a
/// connection by itself, and what it sends on it.
public enum RawConnection {
    public struct Outcome: Sendable {
        /// The agent closed the connection before `within` ran out.
        public var closedByAgent: Bool
        public var received: [UInt8]
    }

    /// Connects, sends `bytes` (maybe none), then reads until the agent closes or `within` passes.
    public static func exchange(port: Int, send bytes: [UInt8] = [], within: Duration) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    // The agent may close before the bytes are written: that is an outcome, not a failure.
                    if !bytes.isEmpty { try? await outbound.write(ByteBuffer(bytes: bytes)) }
                    var received: [UInt8] = []
                    do {
                        for try await buffer in inbound { received += buffer.readableBytesView }
                    } catch {
                        // A reset is a close too.
                    }
                    return Outcome(closedByAgent: true, received: received)
                }
            }
            group.addTask {
                try? await Task.sleep(for: within)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            channel.channel.close(promise: nil)
            return Outcome(closedByAgent: false, received: [])
        }
    }
}
