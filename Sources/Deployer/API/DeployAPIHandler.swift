import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The operations of `openapi.yaml`. Errors are thrown (`APIError`, `DeployerError`) and turned into the
/// document's error replies by `DeployerErrorMiddleware`.
struct DeployAPIHandler: APIProtocol {
    let deployer: Deployer

    func listHosts(_ input: Operations.ListHosts.Input) async throws -> Operations.ListHosts.Output {
        .ok(.init(body: .json(.init(inventories: try await deployer.status().map { .init($0) }))))
    }

    func addHosts(_ input: Operations.AddHosts.Input) async throws -> Operations.AddHosts.Output {
        let body = switch input.body { case .json(let body): body }
        let hosts: [Components.Schemas.HostInput] = switch body.params {
        case .HostInput(let one): [one]
        case .case2(let many): many
        }
        return .accepted(try await start(.add(hosts.map(HostInput.init), deploy: body.deploy ?? true)))
    }

    func getHost(_ input: Operations.GetHost.Input) async throws -> Operations.GetHost.Output {
        .ok(.init(body: .json(.init(inventory: .init(HostSummary(try await host(input.path.uuid)))))))
    }

    func removeHost(_ input: Operations.RemoveHost.Input) async throws -> Operations.RemoveHost.Output {
        let removed = try await deployer.removeHost(try await host(input.path.uuid).uuid)
        return .ok(.init(body: .json(.init(inventory: .init(removed)))))
    }

    func actOnHost(_ input: Operations.ActOnHost.Input) async throws -> Operations.ActOnHost.Output {
        // The document's only action, `reconnectHost`, is required: any other body was refused as malformed.
        let target = try await host(input.path.uuid)
        return .accepted(try await start(.reconnect([target.uuid])))
    }

    func startUpgrade(_ input: Operations.StartUpgrade.Input) async throws -> Operations.StartUpgrade.Output {
        let body = switch input.body {
        case .json(let body): body
        case nil: Components.Schemas.UpgradeBody()
        }
        if let params = body.params {
            // Values on both levels would leave one of them ignored.
            guard body.batchSize == nil, body.maxFailPercent == nil else {
                throw APIError(.badRequest, "give batchSize and maxFailPercent inside params or at the top level, not both")
            }
            return .accepted(try await start(.upgrade(batchSize: params.batchSize, maxFailPercent: params.maxFailPercent)))
        }
        return .accepted(try await start(.upgrade(batchSize: body.batchSize, maxFailPercent: body.maxFailPercent)))
    }

    func listRuns(_ input: Operations.ListRuns.Input) async throws -> Operations.ListRuns.Output {
        .ok(.init(body: .json(.init(runs: try await deployer.inventory.runs(limit: 100).map { .init($0) }))))
    }

    func getRun(_ input: Operations.GetRun.Input) async throws -> Operations.GetRun.Output {
        .ok(.init(body: .json(.init(try await runDetails(input.path.id)))))
    }

    func getRunEvents(_ input: Operations.GetRunEvents.Input) async throws -> Operations.GetRunEvents.Output {
        let stream = RunEventStream(inventory: deployer.inventory, runId: try await runDetails(input.path.id).run.id!)
        let after = input.query.after ?? 0, wait = input.query.wait ?? 0
        guard after >= 0 else { throw APIError(.badRequest, "after must be an event id (0 or more), got \(after)") }
        guard (0...RunEventStream.longestWait).contains(wait) else {
            throw APIError(.badRequest, "wait must be within 0...\(RunEventStream.longestWait) seconds, got \(wait)")
        }
        // The form the caller prefers; no Accept header means every form in the document's order, JSON first.
        let preferred = input.headers.accept.sortedByQuality().first {
            $0.contentType == .json || $0.contentType == .textEventStream
        }
        if preferred?.contentType == .textEventStream {
            return .ok(.init(headers: .init(cacheControl: "no-cache"), body: .textEventStream(stream.serverSentEvents(after: after))))
        }
        return .ok(.init(body: .json(try await stream.poll(after: after, wait: wait))))
    }

    func listSettings(_ input: Operations.ListSettings.Input) async throws -> Operations.ListSettings.Output {
        let settings = Setting.shown(try await deployer.inventory.settings())
        return .ok(.init(body: .json(.init(settings: .init(additionalProperties: settings)))))
    }

    func putSetting(_ input: Operations.PutSetting.Input) async throws -> Operations.PutSetting.Output {
        let body = switch input.body { case .json(let body): body }
        let key = input.path.key
        if let problem = Setting.problem(key: key, value: body.value) { throw APIError(.badRequest, problem) }
        try await deployer.inventory.setSetting(key, body.value)
        return .ok(.init(body: .json(.init(key: key, value: Setting.shown(key: key, value: body.value)))))
    }

    private func start(_ request: RunRequest) async throws -> Components.Responses.RunStarted {
        let runId = try await deployer.start(request, trigger: "api").id
        return .init(body: .json(.init(location: "/v1/runs/\(runId)", runId: "\(runId)")))
    }

    private func host(_ uuid: String) async throws -> HostRecord {
        guard let host = try await deployer.inventory.host(uuid) else { throw APIError(.notFound, "no host \(uuid)") }
        return host
    }

    private func runDetails(_ id: Int64) async throws -> RunDetails {
        guard let details = try await deployer.inventory.runDetails(id) else { throw APIError(.notFound, "no run \(id)") }
        return details
    }
}
