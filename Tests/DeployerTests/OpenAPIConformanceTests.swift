@testable import Deployer
import TestSupport
import Foundation
import NIOHTTP1
import Testing

/// Issue 19: schemathesis (PyPI) against the live API, with the document the server is generated from:
/// whatever it makes up, no reply is a 5xx, has a status, content type or headers the document does not
/// give that operation, or a body its schema does not allow; input the document forbids is refused, an
/// undocumented method is a 405 with `Allow`. Bounded by example count, not by time.
///
/// Every check of the pinned version but `positive_data_acceptance`, which wants every schema-valid request
/// accepted: the deployer also refuses, with a documented 400, what a schema states only by copying the
/// deployer's own lists (the allowed playbook variables, the setting keys) or cannot state (a password or a
/// key file that exists and is private), and a POST without a body still needs its JSON Content-Type (415).
@Suite(.serialized)
struct OpenAPIConformanceTests {
    /// Ports 3030-3039 on 127.0.0.1 are this suite's: the API on one, nothing ever on the other (where the
    /// hosts schemathesis makes up are sent, so their runs' SSH connections are refused at once).
    static let apiPort = 3030
    static let unreachablePort = 3039
    /// Test cases per operation and phase; the run stays well under a minute on two cores.
    static let maxExamples = 25

    @Test func schemathesisFindsNoServerErrorAndNoSchemaViolation() async throws {
        // Made-up hosts fail fast: their SSH connection is refused, and a host that would not answer is given up quickly.
        let (deployer, directory) = try await APISecurityTests.bareDeployer("openapi") { configuration in
            configuration.sshTimeout = .seconds(3)
            configuration.portProbeTimeout = .seconds(2)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        // A host for the operations on one (schemathesis finds its uuid through GET /v1/hosts), on ports where
        // nothing listens: reconnecting it fails at once.
        let seeded = HostRecord(
            uuid: "openapi-host-1", name: "openapi-host-1", address: "127.0.0.1", sshPort: Self.unreachablePort,
            user: "root", kind: .kvm, agentPort: Self.unreachablePort, password: nil, become: false,
            hostKeyFingerprint: "SHA256:x", hostKey: "ssh-ed25519 AAAA", variables: ["zstack_root": "/var/lib/zstack"],
            addedAt: Date())
        try await deployer.inventory.insert(seeded)
        let venv = try await Program.run([Repository.root.appendingPathComponent("scripts/schemathesis-venv").path])
        try #require(venv.status == 0, "\(venv.transcript)")
        let schemathesis = venv.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let report = directory.appendingPathComponent("report.json")

        let token = try deployer.apiToken().text
        try await withAPI(deployer, port: Self.apiPort) { _ in
            let result = try await Program.run(
                [schemathesis, "--no-color", "run", Repository.root.appendingPathComponent("Sources/Deployer/API/openapi.yaml").path,
                 "--url", "http://127.0.0.1:\(Self.apiPort)",
                 "--header", "Authorization: Bearer \(token)",
                 "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                 "--max-examples", "\(Self.maxExamples)", "--seed", "19", "--workers", "1",
                 "--request-timeout", "30",
                 "--report", "json", "--report-json-path", report.path],
                environment: ["SCHEMATHESIS_HOOKS": Repository.root.appendingPathComponent("Tests/OpenAPI/loopback_hosts.py").path,
                              "DEPLOYER_UNREACHABLE_PORT": "\(Self.unreachablePort)"],
                in: directory)
            let summary = try Self.summary(report)
            print("schemathesis: \(summary.requests) requests (test cases) over \(summary.operations) operations, "
                + "\(summary.failures) failures, \(summary.errors) errors")
            #expect(summary.operations == 11, "every operation of the document tested")
            #expect(summary.requests > 0)
            #expect(result.status == 0 && summary.failures == 0 && summary.errors == 0, "\(result.output)\(result.errorOutput)")
        }
        // The runs it started end by themselves (no made-up host leaves one waiting), without a single SSH
        // session: every address schemathesis could have used was sent to a closed loopback port, and no
        // made-up host was added.
        let runs = try await deployer.inventory.runs(limit: 100_000)
        print("schemathesis started \(runs.count) runs: " + Dictionary(grouping: runs, by: \.kind.rawValue)
            .map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", "))
        #expect(try await eventually(within: .seconds(60)) {
            try await deployer.inventory.runs(limit: 100_000).allSatisfy { $0.status != .running }
        })
        #expect(deployer.sshSessionsOpened == 0)
        #expect(try await deployer.inventory.hosts().allSatisfy { $0.uuid == seeded.uuid })
    }

    /// What the generated server alone would have answered otherwise (a 500, a 404, or a request read as
    /// something the caller did not write) is a 4xx with ZStack's body.
    @Test func undocumentedRequestsGetZStackErrors() async throws {
        let (deployer, directory) = try await APISecurityTests.bareDeployer("openapi-errors")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withAPI(deployer) { api in
            let (started, run) = try await api.send(.POST, "/v1/upgrade", Data())
            #expect(started == 202, "an empty body is no body: the settings apply")
            let location = try #require(run["location"] as? String)
            for (method, path, body, status, expected) in [
                (HTTPMethod.PATCH, "/v1/hosts", nil, 405, "it takes GET, POST"),
                (.PUT, "/v1/runs/1", nil, 405, "it takes GET"),
                (.GET, "/v1/runs/abc", nil, 400, "malformed request"),
                (.GET, location + "/events?wait=301", nil, 400, "wait must be within 0...300"),
                (.GET, location + "/events?after=-1", nil, 400, "after must be an event id"),
                (.POST, "/v1/upgrade", #"{"params":null,"batchSize":5}"#, 400, "field 'params' is null"),
                (.POST, "/v1/upgrade", #"{"params":{"batchSize":5},"batchSize":7}"#, 400, "not both"),
                (.POST, "/v1/hosts", #"{"params":{"address":"127.0.0.1","password":"x","sshport":22}}"#, 400, "sshport"),
                (.PUT, "/v1/settings/upgrade.batchSize", "", 400, "Missing required request body"),
                (.GET, "/v1/nothing", nil, 404, "Not Found"),
            ] as [(HTTPMethod, String, String?, Int, String)] {
                let reply = try await api.exchange(method, path, body.map { Data($0.utf8) },
                                                   headers: body == "" ? ["Content-Type": "application/json"] : [:])
                let text = String(decoding: reply.body, as: UTF8.self)
                #expect(reply.status == status && text.contains(#""code":"\#(status)""#) && text.contains(expected),
                        "\(method) \(path): \(reply.status) \(text)")
                if status == 405 { #expect(reply.headers["Allow"].first.map { expected.hasSuffix($0) } == true) }
            }
        }
        #expect(try await deployer.inventory.runs().count == 1, "only the first upgrade started")
    }

    struct Summary {
        var operations: Int
        var requests: Int
        var failures: Int
        var errors: Int
    }

    /// The figures of schemathesis' JSON report: operations tested, test cases (one request each, a
    /// stateful scenario's steps included), unique failures and errors.
    static func summary(_ report: URL) throws -> Summary {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any] ?? [:]
        let operations = object["operations"] as? [String: Any] ?? [:]
        let cases = object["test_cases"] as? [String: Any] ?? [:]
        let errors = (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["count"] as? Int }.reduce(0, +)
        return Summary(operations: operations["tested"] as? Int ?? 0, requests: cases["generated"] as? Int ?? 0,
                       failures: cases["unique_failures"] as? Int ?? 0, errors: errors)
    }
}
