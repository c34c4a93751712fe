import Foundation
import Hummingbird
import NIOCore

/// A run's progress for watchers: server-sent events (`Accept: text/event-stream`) until the run ends, or
/// a long poll (`?after=<last event id>&wait=<seconds>`) that answers as soon as there is something new.
struct RunEventStream: Sendable {
    let inventory: Inventory
    let runId: Int64
    static let pollInterval: Duration = .milliseconds(200)

    func response(to request: Request) async throws -> Response {
        let after = request.uri.queryParameters.get("after", as: Int64.self) ?? 0
        if request.headers[.accept]?.contains("text/event-stream") == true {
            return serverSentEvents(after: after)
        }
        let wait = Duration.seconds(min(request.uri.queryParameters.get("wait", as: Int.self) ?? 0, 300))
        let deadline = ContinuousClock.now + wait
        while true {
            let events = try await inventory.events(of: runId, after: after)
            let run = try await inventory.run(runId)
            if !events.isEmpty || run?.status != .running || ContinuousClock.now >= deadline {
                return try json(EventsReply(status: run?.status, events: events))
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    private struct EventsReply: Encodable {
        var status: RunStatus?
        var events: [RunEventRecord]
    }

    private func serverSentEvents(after: Int64) -> Response {
        let inventory = inventory, runId = runId
        let body = ResponseBody { writer in
            var last = after
            while true {
                let events = (try? await inventory.events(of: runId, after: last)) ?? []
                for event in events {
                    let data = event.message.split(separator: "\n", omittingEmptySubsequences: false)
                        .map { "data: \($0)" }.joined(separator: "\n")
                    try await writer.write(ByteBuffer(string: "id: \(event.id!)\nevent: progress\n\(data)\n\n"))
                    last = event.id!
                }
                let status = (try? await inventory.run(runId))?.status
                let drained = (try? await inventory.events(of: runId, after: last))?.isEmpty ?? true
                if status != .running, drained {
                    try await writer.write(ByteBuffer(string: "event: end\ndata: \(status?.rawValue ?? "gone")\n\n"))
                    break
                }
                try await Task.sleep(for: Self.pollInterval)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
