/// What every agent answers on `GET /agent/version`: which agent it is and which release it runs, so that
/// a deployer can tell whether the process answering is the release it has just installed.
public struct AgentVersion: Codable, Sendable, Equatable {
    /// Served by `AgentServer` for every agent, beside ZStack's own paths.
    public static let path = "/agent/version"
    /// Returned when the executable does not run from a release (a development build).
    public static let unknown = "unknown"

    /// The short agent name of the release (`kvmagent`, `sftpbackupstorage`, `virtualrouter`).
    public var agent: String
    /// The release's VERSION file, e.g. `0.2.0`; `unknown` outside a release.
    public var version: String

    public init(agent: String, version: String) {
        self.agent = agent
        self.version = version
    }
}
