/// `/progress/report` (`ProgressReportCmd`): how far a long operation got, pushed to the MN's
/// `sendCommandUrl`. The MN attributes it to the API named by `threadContextMap["api"]`, so a report is
/// only worth sending for commands that carried a `threadContext`.
public struct ProgressReportCmd: Codable, Sendable, Equatable {
    public static let commandPath = "/progress/report"

    /// Percent as text (`"42"`), as zstacklib's `report.py` sends it.
    public var progress: String?
    /// e.g. `AddImage` for a backup-storage download.
    public var processType: String?
    public var resourceUuid: String?
    public var serverUuid: String?
    public var detail: [String: JSONValue]?
    /// The command's `threadContext`, passed back unchanged.
    public var threadContextMap: [String: JSONValue]?
    public var threadContextStack: [JSONValue]?

    public init(
        progress: String? = nil, processType: String? = nil, resourceUuid: String? = nil,
        serverUuid: String? = nil, threadContextMap: [String: JSONValue]? = nil,
        threadContextStack: [JSONValue]? = nil
    ) {
        self.progress = progress
        self.processType = processType
        self.resourceUuid = resourceUuid
        self.serverUuid = serverUuid
        self.threadContextMap = threadContextMap
        self.threadContextStack = threadContextStack
    }
}
