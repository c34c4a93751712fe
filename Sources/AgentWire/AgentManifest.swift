/// What every agent answers on `GET /agent/manifest`: the MD5s of the files it runs, hashed once (from
/// when it starts listening), so that a deployer can tell "this host runs that release" over one HTTP request instead of an
/// SSH login and an `md5sum`. What the agent cannot see is left to that SSH check: the copy of the init
/// script installed outside the release (its directory is the playbook's setting, not the agent's).
public struct AgentManifest: Codable, Sendable, Equatable {
    /// Served by `AgentServer` for every agent beside `AgentVersion.path`, behind the same authentication.
    public static let path = "/agent/manifest"

    /// The short agent name of the release (`kvmagent`), as in `AgentVersion`.
    public var agent: String
    /// The release's VERSION file; `AgentVersion.unknown` outside a release.
    public var version: String
    /// The executable as the kernel started it (`/proc/self/exe`): what runs, even after the file at its
    /// path was replaced. Nil when it could not be read.
    public var executableMD5: String?
    /// The release's own init script (`<release>/init.d/zstack-<agent>`) as it was at start; nil outside a release.
    public var initScriptMD5: String?
    /// The tarball the release was unpacked from (`<agent home>/package/<release>.tar.gz`) as it was at
    /// start; nil when there was none.
    public var tarballMD5: String?
    /// True once the file at the executable's path is no longer the one this process runs (replaced by a
    /// rename, as a careless copy or an intruder leaves it): the next start would run something else.
    /// Looked up on every request (a `stat`, no hashing); the MD5s above never change.
    public var executableReplaced: Bool

    public init(agent: String, version: String, executableMD5: String?, initScriptMD5: String?, tarballMD5: String?,
                executableReplaced: Bool = false) {
        self.agent = agent
        self.version = version
        self.executableMD5 = executableMD5
        self.initScriptMD5 = initScriptMD5
        self.tarballMD5 = tarballMD5
        self.executableReplaced = executableReplaced
    }
}
