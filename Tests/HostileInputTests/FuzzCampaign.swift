import AgentClient
import AgentWire
import AsyncHTTPClient
import Foundation
import Synchronization

/// Sends a mutator's requests to one running agent from a few concurrent workers, judges every reply
/// (`Verdict`) and counts. A worker stops the run as soon as the agent process is gone: every later request
/// would only repeat the crash.
struct FuzzCampaign: Sendable {
    let agent: AgentProcess
    let mutator: Mutator
    let mn: ManagementNodeEndpoint
    var workers = 4
    /// Longest wait for an HTTP reply; beyond it the request counts as a hang.
    var replyTimeout: Duration = .seconds(30)
    /// Longest wait for an async command's callback after its 200.
    var callbackTimeout: Duration = .seconds(60)

    /// The workers' shared state: the next request index and the running tally.
    private final class Progress: Sendable {
        let next = Atomic<Int>(0)
        let tally: Mutex<FuzzTally>

        init(_ tally: FuzzTally) { self.tally = Mutex(tally) }
    }

    func run(requests: Int) async -> FuzzTally {
        var initial = FuzzTally(agent: agent.name)
        initial.seed = mutator.seed
        initial.rssBeforeKiB = agent.residentKiB
        let progress = Progress(initial)
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while true {
                        let index = progress.next.add(1, ordering: .relaxed).oldValue
                        guard index < requests, agent.isRunning else { return }
                        let request = mutator.request(index)
                        let verdict = await send(request)
                        progress.tally.withLock { $0.record(verdict, for: request) }
                    }
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        return progress.tally.withLock {
            $0.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            $0.rssAfterKiB = agent.residentKiB
            return $0
        }
    }

    /// Sends one request and judges the outcome against the contract.
    func send(_ request: FuzzCase) async -> Verdict {
        var headers: [(String, String)] = []
        let taskUUID = "hfz-\(mutator.seed)-\(request.index)"
        var expectsCallback = false
        if request.kind == .async {
            switch request.headers {
            case .standard:
                headers = [(AgentHeader.taskUUID, taskUUID), (AgentHeader.callbackURL, mn.callbackURL)]
                expectsCallback = true
                mn.expectCallback(taskUUID)
            case .noTaskUUID:
                headers = [(AgentHeader.callbackURL, mn.callbackURL)]
            case .taskUUID(let value):
                headers = [(AgentHeader.taskUUID, value), (AgentHeader.callbackURL, mn.callbackURL)]
            case .noCallbackURL:
                headers = [(AgentHeader.taskUUID, taskUUID)]
            case .callbackURL(let url):
                headers = [(AgentHeader.taskUUID, taskUUID), (AgentHeader.callbackURL, url)]
            }
        }
        let status: Int, body: [UInt8]
        do {
            (status, body) = try await agent.client.post(request.path, body: request.body, headers: headers, timeout: replyTimeout)
        } catch {
            try? await Task.sleep(for: .milliseconds(200))
            if !agent.isRunning { return .crash("agent \(agent.ending) on this request; log:\n\(agent.logTail())") }
            if let http = error as? HTTPClientError, http == .deadlineExceeded || http == .readTimeout {
                return .hang("no reply within \(replyTimeout)")
            }
            // The agent may close a connection whose body it refuses before reading it all.
            if request.mutation == "oversize" { return .tooLarge }
            return .wrong("no HTTP reply: \(error)")
        }
        return await judge(request, status: status, body: body, taskUUID: expectsCallback ? taskUUID : nil)
    }

    private func judge(_ request: FuzzCase, status: Int, body: [UInt8], taskUUID: String?) async -> Verdict {
        func errorBody(_ verdict: Verdict) -> Verdict {
            switch Verdict.envelope(body) {
            case .success(false): verdict
            case .success(true): .wrong("HTTP \(status) with success true")
            case .failure(let problem): .wrong("HTTP \(status) without a JSON error body: \(problem)")
            }
        }
        if status == 503 { return errorBody(.busy) }
        // The path is looked up before the body is read: an unserved path is 404 whatever its size.
        if request.kind == .unserved {
            return status == 404 ? errorBody(.notFound) : .wrong("HTTP \(status) for an unserved path, not 404")
        }
        if request.mutation == "oversize" {
            return status == 413 ? errorBody(.tooLarge) : .wrong("HTTP \(status) for a body over the limit, not 413")
        }
        switch request.kind {
        case .unserved:
            return .notFound
        case .echo:
            return status == 200 ? .success : .wrong("echo answered HTTP \(status)")
        case .sync:
            guard status == 200 else { return (400..<500).contains(status) ? errorBody(.clientError(status)) : .wrong("HTTP \(status)") }
            return Self.inBand(body)
        case .async:
            if request.headers != .standard {
                return (400..<500).contains(status) ? errorBody(.clientError(status))
                    : .wrong("HTTP \(status) for async headers that must be refused (\(request.headers))")
            }
            guard status == 200 else { return (400..<500).contains(status) ? errorBody(.clientError(status)) : .wrong("HTTP \(status)") }
            guard body.isEmpty else { return .wrong("async 200 with a body: \(String(decoding: body.prefix(200), as: UTF8.self))") }
            guard let taskUUID else { return .wrong("no task uuid") }
            do {
                return Self.inBand(try await mn.callback(for: taskUUID, timeout: callbackTimeout))
            } catch {
                if !agent.isRunning { return .crash("agent \(agent.ending) before the callback; log:\n\(agent.logTail())") }
                return .hang("200 but no callback within \(callbackTimeout)")
            }
        }
    }

    private static func inBand(_ body: [UInt8]) -> Verdict {
        switch Verdict.envelope(body) {
        case .success(true): .success
        case .success(false): .inBandFailure
        case .failure(let problem): .wrong(problem.description)
        }
    }
}
