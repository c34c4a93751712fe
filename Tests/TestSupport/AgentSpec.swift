import Foundation

/// One line of Packaging/agents: the data every packaging test is driven by.
public struct AgentSpec: Sendable, CustomStringConvertible {
    public var name: String
    public var port: Int
    public var playbook: String
    public var echoPath: String

    public var executable: String { "zstack-\(name)" }
    public var description: String { name }

    /// Every agent Packaging knows.
    public static func all() throws -> [AgentSpec] {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("Packaging/agents"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { return nil }
            guard fields.count >= 4, let port = Int(fields[1]) else {
                throw ProgramError(description: "Packaging/agents: bad line '\(line)'")
            }
            return AgentSpec(name: first, port: port, playbook: fields[2], echoPath: fields[3])
        }
    }

    /// The agents whose sources exist in this checkout: the ones `make package` builds and tests cover.
    public static func existing() -> [AgentSpec] {
        ((try? all()) ?? []).filter {
            FileManager.default.fileExists(atPath: Repository.root.appendingPathComponent("Sources/\($0.executable)").path)
        }
    }

    public static func named(_ name: String) throws -> AgentSpec {
        guard let spec = try all().first(where: { $0.name == name }) else {
            throw ProgramError(description: "Packaging/agents has no agent \(name)")
        }
        return spec
    }

    /// The built (unstripped) executable, or an error saying how to build it.
    public func builtBinary() throws -> URL {
        let url = Repository.binaryDirectory.appendingPathComponent(executable)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw ProgramError(description: """
                \(executable) is not built in \(Repository.binaryDirectory.path): run `swift build --product \
                \(executable)` first (or set ZSTACK_AGENT_BIN_DIR to the directory holding it)
                """)
        }
        return url
    }
}
