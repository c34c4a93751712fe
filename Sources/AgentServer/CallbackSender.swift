import AgentWire
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// Delivers async replies to the MN's callback URL, as ZStack's `json_post` + `wait_callback_success` do:
/// retried while the receiver cannot be reached, abandoned when it says the task is unknown (404: the MN
/// timed the task out) or when the retry window closes.
struct CallbackSender: Sendable {
    enum Delivery: Equatable {
        case delivered
        case abandonedByReceiver
        case failed(String)
    }

    let client: HTTPClient
    let retryWindow: Duration
    let retryInterval: Duration
    let metrics: AgentMetrics
    let logger: Logger

    func deliver(_ body: ByteBuffer, taskUUID: String, to url: String) async -> Delivery {
        let deadline = ContinuousClock.now + retryWindow
        var attempt = 0
        while true {
            attempt += 1
            let problem: String
            do {
                let status = try await post(body, taskUUID: taskUUID, to: url, before: deadline)
                if (200..<300).contains(status) { return .delivered }
                if status == 404 {
                    logger.warning("callback receiver no longer waits for the task", metadata: ["task_uuid": "\(taskUUID)"])
                    return .abandonedByReceiver
                }
                guard status >= 500 else { return .failed("callback receiver answered \(status)") }
                problem = "callback receiver answered \(status)"
            } catch {
                problem = "\(error)"
            }
            guard !Task.isCancelled, ContinuousClock.now + retryInterval < deadline else {
                metrics.callbackFailed()
                logger.error("callback not delivered", metadata: [
                    "task_uuid": "\(taskUUID)", "attempts": "\(attempt)", "error": "\(problem)",
                ])
                return .failed(problem)
            }
            metrics.callbackRetried()
            logger.debug("callback retry", metadata: ["task_uuid": "\(taskUUID)", "error": "\(problem)"])
            try? await Task.sleep(for: retryInterval)
        }
    }

    private func post(_ body: ByteBuffer, taskUUID: String, to url: String, before deadline: ContinuousClock.Instant) async throws -> UInt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: AgentHeader.taskUUID, value: taskUUID)
        // No `Connection: close` (the Python agent's json_post sends it because it makes a connection pool
        // per POST): the MN's Tomcat keeps connections alive, so callbacks reuse the client's pooled ones.
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        // ZStack's agents give one POST 120 s; never past the retry window, though.
        let remaining = min(.seconds(120), max(.seconds(1), deadline - ContinuousClock.now))
        let response = try await client.execute(request, timeout: .init(remaining))
        _ = try? await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }
}
