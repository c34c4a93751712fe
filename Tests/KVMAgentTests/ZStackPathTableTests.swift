import AgentServer
import Foundation
import KVMAgent
import Logging
import Testing
import TestSupport

/// The README's table of ZStack 5.x's KVM core paths (the Python agent's vm, host, network and local
/// storage plugins) must say exactly which of them this agent serves, and give a reason for every other.
@Suite("README's ZStack KVM path table")
struct ZStackPathTableTests {
    struct Row {
        var path: String
        var served: Bool
        var reason: String
    }

    static func rows() throws -> [Row] {
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        return readme.split(separator: "\n").compactMap { line -> Row? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6, cells[2].hasPrefix("`/"), cells[2].hasSuffix("`") else { return nil }
            return Row(path: String(cells[2].dropFirst().dropLast()), served: cells[3] == "yes", reason: cells[4])
        }
    }

    @Test("every row marked yes is served, every served core path is marked yes, every gap has a reason")
    func tableMatchesTheAgent() async throws {
        let rows = try Self.rows()
        #expect(rows.count > 200, "the table lists ZStack's core paths; found \(rows.count) rows")
        let scratch = try TemporaryDirectory("path-table")
        defer { scratch.remove() }
        let server = try await buildKVMAgent(
            KVMAgentConfiguration(server: .test(), libvirtURI: "test:///default",
                                  stateDirectory: scratch.url.path, storageRoots: [scratch.url.path]),
            logger: Logger(label: "test.path-table"))
        let served = Set(server.servedPaths)
        for row in rows {
            #expect(row.served == served.contains(row.path), "\(row.path): the table says \(row.served ? "yes" : "no")")
            #expect(row.served || !row.reason.isEmpty, "\(row.path) is not served and the table gives no reason")
        }
        #expect(Set(rows.map(\.path)).count == rows.count, "a path is listed twice")
    }
}
