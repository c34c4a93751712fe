import Foundation
import OpenAPIRuntime

/// A run's progress for watchers: server-sent events (`Accept: text/event-stream`) until the run ends, or
/// a long poll (`?after=<last event id>&wait=<seconds>`) that answers as soon as there is something new.
struct RunEventStream: Sendable {
    let inventory: Inventory
    let runId: Int64
    static let pollInterval: Duration = .milliseconds(200)
    /// The longest `wait` a long poll may ask for (the document's maximum).
    static let longestWait = 300

    /// The events after `after`, once there is one, the run has ended, or `wait` seconds have passed.
    func poll(after: Int64, wait seconds: Int) async throws -> Components.Schemas.RunEvents {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let events = try await inventory.events(of: runId, after: after)
            let run = try await inventory.run(runId)
            if !events.isEmpty || run?.status != .running || ContinuousClock.now >= deadline {
                return .init(status: run.map { .init($0.status) }, events: events.map(Components.Schemas.RunEventRecord.init))
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// The `text/event-stream` body: a `progress` event per event after `after`, then `end` with the run's status.
    func serverSentEvents(after: Int64) -> HTTPBody {
        HTTPBody(ServerSentEvents(stream: self, last: after), length: .unknown, iterationBehavior: .single)
    }

    private struct ServerSentEvents: AsyncSequence, Sendable {
        typealias Element = HTTPBody.ByteChunk
        let stream: RunEventStream
        let last: Int64

        func makeAsyncIterator() -> Iterator { Iterator(stream: stream, last: last) }

        struct Iterator: AsyncIteratorProtocol {
            let stream: RunEventStream
            var last: Int64
            var ended = false

            mutating func next() async throws -> HTTPBody.ByteChunk? {
                let inventory = stream.inventory, runId = stream.runId
                while !ended {
                    let events = try await inventory.events(of: runId, after: last)
                    if let newest = events.last?.id {
                        last = newest
                        return ArraySlice(events.map(Self.progress).joined().utf8)
                    }
                    let status = try await inventory.run(runId)?.status
                    // Events written just before the run ended are sent before the end.
                    if status != .running, try await inventory.events(of: runId, after: last).isEmpty {
                        ended = true
                        return ArraySlice("event: end\ndata: \(status?.rawValue ?? "gone")\n\n".utf8)
                    }
                    try await Task.sleep(for: RunEventStream.pollInterval)
                }
                return nil
            }

            private static func progress(_ event: RunEventRecord) -> String {
                let data = event.message.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { "data: \($0)" }.joined(separator: "\n")
                return "id: \(event.id!)\nevent: progress\n\(data)\n\n"
            }
        }
    }
}
