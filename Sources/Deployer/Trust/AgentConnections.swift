import AgentClient
import AsyncHTTPClient
import Foundation
import NIOSSL

/// The deployer's connections to agents for one pass or batch, over one HTTP client: plain HTTP, or HTTPS
/// with the management client certificate, trusting only the run's CA bundle, with full verification: the
/// agent's certificate must carry the address the deployer connects to (its IP SAN), not merely come from
/// the CA. A connection serves one request and is closed: a pass asks each of thousands of agents once,
/// and idle connections to all of them would hold a socket each.
struct AgentConnections: Sendable {
    private let http: HTTPClient
    private let tls: Bool

    /// Whether an agent that answers proved who it is (its certificate, for the address connected to).
    var authenticatesAgents: Bool { tls }

    /// Runs `body` with connections for `plan`; the client is shut down afterwards.
    static func with<T: Sendable>(_ plan: AgentAuthPlan, _ body: (AgentConnections) async -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.maximumUsesPerConnection = 1
        if case .mutualTLS(let tls) = plan.mode { configuration.tlsConfiguration = try Self.configuration(tls) }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let result = await body(AgentConnections(http: http, tls: configuration.tlsConfiguration != nil))
        try? await http.shutdown()
        return result
    }

    /// The TLS of `AgentClientTLS`, with the bundle the run pinned.
    static func configuration(_ tls: AgentAuthPlan.MutualTLS) throws -> TLSConfiguration {
        do {
            return try AgentClientTLS.configuration(certificatePath: tls.trust.clientCertificatePath,
                                                    keyPath: tls.trust.clientKeyPath, trustBundlePEM: tls.bundlePEM)
        } catch {
            throw DeployerError(.environment, "cannot load the management client certificate \(tls.trust.clientCertificatePath): \(error)")
        }
    }

    func client(for host: HostRecord) -> AgentClient {
        let authority = host.address.contains(":") ? "[\(host.address)]" : host.address
        return AgentClient(baseURL: "\(tls ? "https" : "http")://\(authority):\(host.agentPort)", http: http)
    }
}
