import AgentWire
import HostSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AgentVersion {
    /// The release this process was started from. A release is `<agent>-<version>/` with the executable in
    /// `bin/zstack-<agent>` and the version in `VERSION` (Packaging/package.sh). The executable is read from
    /// /proc/self/exe, the file the kernel started with links resolved, not from the `current` link: that
    /// may point at another release by now, and a deployer asks precisely to find an agent not restarted.
    static func ofThisProcess(executable: String? = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        -> AgentVersion
    {
        guard let executable else { return AgentVersion(agent: unknown, version: unknown) }
        let name = Files.lastComponent(of: executable)
        let agent = name.hasPrefix("zstack-") ? String(name.dropFirst("zstack-".count)) : name
        let release = Files.parentDirectory(of: Files.parentDirectory(of: executable))
        let text = try? String(contentsOfFile: release + "/VERSION", encoding: .utf8)
        let version = text?.trimmingWhitespace() ?? ""
        return AgentVersion(agent: agent, version: version.isEmpty ? unknown : version)
    }
}
