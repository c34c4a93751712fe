import AgentClient
import AgentServer
import AgentWire
import HostSystem
import Logging
import TestSupport
import Testing

/// `GET /agent/manifest` of an in-process server: outside a release only the executable is hashed, here the
/// test runner itself, and only once asked (~200 MiB in a debug build, so requests sent together find the
/// hash the first one started still running).
@Suite struct ManifestTests {
    @Test func requestsThatComeWhileTheHashRunsAllGetItsOneAnswer() async throws {
        let server = try AgentServer(configuration: .test(), routes: [ProbeRoutes(gates: Gates())], logger: Logger(label: "test"))
        let running = try FileDigest.md5Blocking(ofFileAt: "/proc/self/exe")
        try await RunningAgent.with(server) { agent in
            let answers = try await withThrowingTaskGroup(of: AgentManifest.self) { group in
                // The hash runs at nice 19: next to other tests on both cores it may take long; the bound is
                // only there to end a hang.
                for _ in 0..<8 { group.addTask { try await agent.client.manifest(timeout: .seconds(300)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 8)
            for answer in answers {
                #expect(answer == AgentManifest(agent: answer.agent, version: AgentVersion.unknown,
                                                executableMD5: running, initScriptMD5: nil, tarballMD5: nil))
            }
        }
    }
}
