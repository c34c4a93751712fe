import AgentServer
import AgentWire

/// Progress of a volume migration's steps (the copy to the other host, the MD5s on both), as ZStack's agent
/// reports it: process type `LocalStorageMigrateVolume`, the volume as the resource, scaled into the share
/// of the API the MN names in `stage` (`"10-90"`), since the MN stores a report as the whole API's progress.
extension LocalStorageRoutes {
    /// Reports only when the command carried a thread context (the API the MN files reports under).
    func migrationProgress(volumeUuid: String?, threadContext: [String: JSONValue]?, threadContextStack: [JSONValue]?,
                           _ context: CommandContext) -> ProgressReporter {
        ProgressReporter(template: threadContext.map {
            ProgressReportCmd(processType: "LocalStorageMigrateVolume", resourceUuid: volumeUuid,
                              threadContextMap: $0, threadContextStack: threadContextStack)
        }, events: context.events, logger: context.logger)
    }

    /// `done` bytes of `total` as a percentage of the whole API, inside `stage`.
    static func percent(_ done: Int64, of total: Int64, in stage: (start: Int, end: Int)) -> Int {
        stage.start + Int((Double(done) / Double(max(total, 1)) * Double(stage.end - stage.start)).rounded())
    }

    /// `"start-end"` as zstacklib's `get_scale` reads it; nil when the MN sent none.
    static func stage(_ stage: String?) throws -> (start: Int, end: Int)? {
        guard let stage, !stage.isEmpty else { return nil }
        let bounds = stage.split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, 0 <= bounds[0], bounds[0] <= bounds[1], bounds[1] <= 100 else {
            throw KVMAgentError(.localStorage, "stage '\(stage)' is not a range of percentages such as 10-90")
        }
        return (bounds[0], bounds[1])
    }
}
