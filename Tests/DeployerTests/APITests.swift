import AsyncHTTPClient
import Deployer
import TestSupport
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Testing

/// The HTTP API over real HTTP: add hosts, reconnect one with ZStack's action body (the agent is
/// redeployed and restarted), watch runs, and refuse bad input with 4xx and a JSON error.
@Suite(.serialized)
struct APITests {
    @Test func addReconnectWatchAndRefuse() async throws {
        let fleet = try await Fleet(prefix: "dapi", subnet: 64, count: 2, basePort: 2640)
        defer { fleet.stop() }
        try await fleet.publish(version: "1.0.0")
        try await withAPI(fleet.deployer) { api in
            let body = try JSONEncoder().encode(["params": fleet.members.map { fleet.input($0) }])
            let (status, reply) = try await api.send(.POST, "/v1/hosts", body)
            #expect(status == 202)
            let location = try #require(reply["location"] as? String)
            let added = try await api.waitForRun(location)
            #expect(added["status"] as? String == "succeeded")

            let (_, hosts) = try await api.send(.GET, "/v1/hosts")
            let inventories = try #require(hosts["inventories"] as? [[String: Any]])
            #expect(inventories.count == 2)
            #expect(inventories.allSatisfy { $0["password"] == nil && $0["passwordStored"] as? Bool == false })

            let member = fleet.members[0]
            let before = try #require(fleet.agentPid(member))
            let uuid = try await fleet.uuid(of: member)
            let (accepted, action) = try await api.send(.PUT, "/v1/hosts/\(uuid)/actions", Data(#"{"reconnectHost":{}}"#.utf8))
            #expect(accepted == 202)
            let runLocation = try #require(action["location"] as? String)
            let run = try await api.waitForRun(runLocation)
            #expect(run["status"] as? String == "succeeded")
            let entries = try #require(run["hosts"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["reason"] as? String == "reconnect (forced redeploy)")
            #expect(entries.first?["outcome"] as? String == "deployed")
            let after = try #require(fleet.agentPid(member))
            #expect(after != before, "reconnect restarts the agent")
            #expect(fleet.agentPid(fleet.members[1]) != nil)

            // Watching: a long poll returns the run's events; the event stream ends with the run's status.
            let (_, events) = try await api.send(.GET, runLocation + "/events?after=0&wait=5")
            #expect((events["events"] as? [[String: Any]])?.isEmpty == false)
            let stream = try await api.raw(.GET, runLocation + "/events", headers: ["Accept": "text/event-stream"])
            #expect(stream.contains("event: progress"))
            #expect(stream.contains("event: end\ndata: succeeded"))

            // Bad input: 4xx with ZStack's error body, nothing started.
            let runsBefore = try await fleet.deployer.inventory.runs().count
            for (method, path, body, expected) in [
                (HTTPMethod.PUT, "/v1/hosts/\(uuid)/actions", #"{"destroyHost":{}}"#, 400),
                (.PUT, "/v1/hosts/\(uuid)/actions", #"{"reconnectHost":"#, 400),
                (.PUT, "/v1/hosts/no-such-host/actions", #"{"reconnectHost":{}}"#, 404),
                (.POST, "/v1/hosts", #"{"params":{"address":"; rm -rf /","password":"x"}}"#, 400),
                (.POST, "/v1/hosts", #"{"params":{"address":"127.0.64.9","password":"x","variables":{"zstack_root":"{{ lookup('pipe','id') }}"}}}"#, 400),
                (.POST, "/v1/upgrade", #"{"params":{"batchSize":"many"}}"#, 400),
                (.POST, "/v1/upgrade", #"{"params":{"batchSize":0}}"#, 400),
                (.GET, "/v1/runs/999999", "", 404),
                (.PUT, "/v1/settings/upgrade.batchSize", #"{"value":"-3"}"#, 400),
            ] {
                let (status, reply) = try await api.send(method, path, body.isEmpty ? nil : Data(body.utf8))
                #expect(status == expected, "\(method) \(path) \(body)")
                #expect((reply["error"] as? [String: Any])?["description"] as? String != nil, "\(path): \(reply)")
            }
            let (tooLarge, _) = try await api.send(.POST, "/v1/hosts", Data(repeating: UInt8(ascii: " "), count: 2 << 20))
            #expect(tooLarge == 413)
            #expect(try await fleet.deployer.inventory.runs().count == runsBefore)
            #expect(fleet.agentPid(member) == after)
        }
    }
}

/// Runs the API on an ephemeral loopback port for the duration of `body`, with the deployer's token; the
/// client sends it unless told otherwise.
func withAPI(_ deployer: Deployer, allowedHosts: [String] = [], _ body: (APIClient) async throws -> Void) async throws {
    let token = try deployer.apiToken()
    let access = try APIAccess(token: token, listenAddress: "127.0.0.1", allowedHosts: allowedHosts)
    let port = AsyncStream<Int>.makeStream()
    let app = Application(
        router: DeployAPI(deployer: deployer, access: access).router(),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            port.continuation.yield(channel.localAddress?.port ?? 0)
            port.continuation.finish()
        })
    let server = Task { try await app.runService() }
    defer { server.cancel() }
    var ports = port.stream.makeAsyncIterator()
    let bound = try #require(await ports.next())
    try await body(APIClient(base: "http://127.0.0.1:\(bound)", token: token.text))
}

/// A small JSON client for the deployer's API. It sends `Authorization: Bearer <token>` and, with a body,
/// `Content-Type: application/json`; `headers` adds to or (same name) replaces them, an empty value removes one.
struct APIClient {
    var base: String
    var token: String

    func send(_ method: HTTPMethod, _ path: String, _ body: Data? = nil,
              headers: [String: String] = [:]) async throws -> (Int, [String: Any]) {
        let (status, _, bytes) = try await exchange(method, path, body, headers: headers)
        let object = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] ?? [:]
        return (status, object)
    }

    func raw(_ method: HTTPMethod, _ path: String, headers: [String: String]) async throws -> String {
        String(decoding: try await exchange(method, path, nil, headers: headers).body, as: UTF8.self)
    }

    /// One request: status, response headers, body.
    func exchange(_ method: HTTPMethod, _ path: String, _ body: Data? = nil,
                  headers: [String: String] = [:]) async throws -> (status: Int, headers: HTTPHeaders, body: Data) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        var all = ["Authorization": "Bearer \(token)"]
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            all["Content-Type"] = "application/json"
        }
        all.merge(headers) { $1 }
        for (name, value) in all where !value.isEmpty { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers, Data(bytes.readableBytesView))
    }

    /// Polls `GET <location>` until the run is no longer running; returns its `run` object plus `hosts`.
    func waitForRun(_ location: String) async throws -> [String: Any] {
        for _ in 0..<600 {
            let (_, details) = try await send(.GET, location)
            if var run = details["run"] as? [String: Any], run["status"] as? String != "running" {
                run["hosts"] = details["hosts"]
                return run
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ProgramError(description: "run at \(location) did not finish")
    }
}
