import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local HTTP server for download tests: `/files/<name>` streams a file of `directory` with its
/// Content-Length, `/redirect/<name>` answers 302 to it, `/stall/<name>` promises the file's length, sends
/// one chunk and then never sends more (for timeouts and cancels); anything else is 404.
struct ImageHTTPServer: Sendable {
    let port: Int
    /// Yields each time a `/stall/` request has sent its first chunk.
    let stalled: AsyncStream<Void>

    func url(_ route: String, _ name: String) -> String { "http://127.0.0.1:\(port)/\(route)/\(name)" }

    static func run<T: Sendable>(
        serving directory: String,
        _ body: @Sendable (ImageHTTPServer) async throws -> T
    ) async throws -> T {
        let (stalled, stallSink) = AsyncStream.makeStream(of: Void.self)
        let router = Router()
        router.get("files/:name") { _, context -> Response in
            let path = directory + "/" + (try context.parameters.require("name"))
            guard let data = FileManager.default.contents(atPath: path) else { return Response(status: .notFound) }
            return Response(status: .ok, body: ResponseBody(contentLength: data.count) { writer in
                // Several chunks, so the agent sees a body arrive in parts.
                var offset = 0
                while offset < data.count {
                    let end = min(offset + 64 << 10, data.count)
                    try await writer.write(ByteBuffer(bytes: data[offset..<end]))
                    offset = end
                }
                try await writer.finish(nil)
            })
        }
        router.get("redirect/:name") { _, context -> Response in
            let name = try context.parameters.require("name")
            return Response(status: .found, headers: [.location: "/files/\(name)"])
        }
        router.get("stall/:name") { _, context -> Response in
            let path = directory + "/" + (try context.parameters.require("name"))
            guard let data = FileManager.default.contents(atPath: path) else { return Response(status: .notFound) }
            return Response(status: .ok, body: ResponseBody(contentLength: data.count) { writer in
                try await writer.write(ByteBuffer(bytes: data.prefix(4096)))
                stallSink.yield()
                try await Task.sleep(for: .seconds(3600))
            })
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "test.http")
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { portSink.yield($0.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            guard let port = await ports.first(where: { _ in true }) else { throw CancellationError() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(ImageHTTPServer(port: port, stalled: stalled)))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            return try result.get()
        }
    }
}
