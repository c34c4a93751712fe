import AgentClient
import Foundation
import Testing

/// One agent binary with its world and the management node's endpoint, fuzzed and then checked: still
/// running, still answering its echo, nothing written outside its roots.
struct AgentUnderFuzz: Sendable {
    let executable: String
    let echoPath: String
    let world: HostileWorld
    let arguments: [String]
    /// Fixed cases sent after the random run, while the agent is still up.
    let regressions: [RegressionCase]
    let corpus: @Sendable (ManagementNodeEndpoint) throws -> [CorpusEntry]

    /// Runs the campaign and records every bug as a test issue; returns the tally for the caller's checks.
    @discardableResult
    func fuzz(_ settings: FuzzSettings = .current) async throws -> FuzzTally {
        try await ManagementNodeEndpoint.run { mn in
            let agent = try await AgentProcess.start(
                executable, arguments: arguments + ["--callback-to", "127.0.0.0/8", "--allow-from", "127.0.0.0/8"], echoPath: echoPath,
                logDirectory: world.scratch, workingDirectory: world.workingDirectory)
            let tally: FuzzTally
            let campaign: FuzzCampaign
            do {
                let mutator = try Mutator(seed: settings.seed, corpus: try corpus(mn),
                                          values: HostileValues(world: world), maxBodyBytes: 8 << 20)
                campaign = FuzzCampaign(agent: agent, mutator: mutator, mn: mn, workers: settings.workers)
                tally = await campaign.run(requests: settings.requests)
            } catch {
                await agent.stop()
                throw error
            }
            print("hostile input: \(tally)")
            #expect(agent.isRunning, "\(executable) is gone (\(agent.ending)); log:\n\(agent.logTail())")
            if agent.isRunning {
                let echo = try? await agent.client.post(echoPath, body: [], timeout: .seconds(10))
                #expect(echo?.status == 200, "\(echoPath) after the run: \(String(describing: echo?.status))")
            }
            for finding in tally.findings.values.sorted(by: { $0.request.index < $1.request.index }) {
                Issue.record("\(executable) \(finding.kind): \(finding.request.summary) → \(finding.detail)")
            }
            #expect(tally.requests == settings.requests || !agent.isRunning)
            if agent.isRunning {
                await RegressionCase.check(regressions, with: campaign)
                #expect(agent.isRunning, "\(executable) died on a regression case (\(agent.ending)); log:\n\(agent.logTail())")
            }
            await agent.stop()
            let escaped = world.verify()
            #expect(escaped.isEmpty, "files outside the roots: \(escaped)")
            return tally
        }
    }
}
