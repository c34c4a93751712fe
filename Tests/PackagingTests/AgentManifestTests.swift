import AgentClient
import AgentWire
import TestSupport
import Foundation
import Testing

/// `GET /agent/manifest` of the packaged agent, started by its init script from an installed release: the
/// MD5s of what runs, hashed once from when the agent listens, behind the agent's authentication.
@Suite(.serialized)
struct AgentManifestTests {
    /// Not InitScriptTests' address: the two suites run at the same time.
    static let address = "127.0.0.43"
    static let port = 2441

    @Test func manifestReportsWhatRunsBehindTheToken() async throws {
        let token = String(repeating: "7", count: 40)
        let scratch = try Repository.temporaryDirectory("manifest")
        let tokenFile = scratch.appendingPathComponent("token")
        try token.write(to: tokenFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile.path)
        let install = try await InitScriptTests.install(
            defaults: ["AGENT_EXTRA_ARGS='--auth token --token-file \(tokenFile.path)'"], address: Self.address, port: Self.port)
        defer { install.stopAgent() }
        // The tarball copy the playbook leaves beside the release.
        let tarball = try await AgentTarball.shared(try AgentSpec.named("kvmagent"), version: "1.0.0")
        let copy = install.agentHome.appendingPathComponent("package/\(tarball.fileName)")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: tarball.url, to: copy)
        #expect(try await install.initd("start").status == 0)

        let base = "http://\(Self.address):\(Self.port)"
        let agent = AgentClient(baseURL: base, authorization: "Bearer \(token)")
        try await agent.waitForEcho(timeout: .seconds(30), interval: .milliseconds(200))
        // Hashed at start, before anyone asks: the log says so, and files changed after that line (before
        // the first ask) do not show in the first answer. A hash made on the first ask would read them.
        #expect(try await eventually(within: .seconds(30)) {
            (try? String(contentsOf: install.logFile, encoding: .utf8))?.contains("agent manifest hashed") == true
        })
        let release = install.agentHome.appendingPathComponent("kvmagent-1.0.0")
        let expected = AgentManifest(
            agent: "kvmagent", version: "1.0.0",
            executableMD5: try await AgentTarball.md5(of: release.appendingPathComponent("bin/zstack-kvmagent")),
            initScriptMD5: try await AgentTarball.md5(of: release.appendingPathComponent("init.d/zstack-kvmagent")),
            tarballMD5: try await AgentTarball.md5(of: tarball.url))
        try Data("another tarball".utf8).write(to: copy)
        try Data("#!/bin/sh\n".utf8).write(to: release.appendingPathComponent("init.d/zstack-kvmagent"))
        #expect(try await agent.manifest() == expected)
        // An executable replaced under the running agent is the one thing it looks up again (a stat): the
        // next start would run another file. Its MD5 still says what runs now.
        let binary = release.appendingPathComponent("bin/zstack-kvmagent")
        let impostor = release.appendingPathComponent("bin/impostor")
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: impostor.path)
        try #require(rename(impostor.path, binary.path) == 0)
        var replaced = expected
        replaced.executableReplaced = true
        #expect(try await agent.manifest() == replaced)

        // Without the token, or with another, the manifest is refused like every path.
        for client in [AgentClient(baseURL: base), AgentClient(baseURL: base, authorization: "Bearer \(String(repeating: "8", count: 40))")] {
            await #expect { try await client.manifest() } throws: { error in
                (error as? AgentClientError)?.code == .httpStatus(401)
            }
        }
    }
}
