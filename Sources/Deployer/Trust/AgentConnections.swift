import AgentClient
import AsyncHTTPClient
import Foundation
import NIOSSL

/// The deployer's connections to agents for one batch: plain HTTP, or HTTPS with the management client
/// certificate, trusting only the run's CA bundle, with full verification: the agent's certificate must
/// carry the address the deployer connects to (its IP SAN), not merely come from the CA.
struct AgentConnections: Sendable {
    private let http: HTTPClient?

    /// Runs `body` with connections for `plan`; the HTTPS client is shut down afterwards.
    static func with<T: Sendable>(_ plan: AgentAuthPlan, _ body: (AgentConnections) async -> T) async throws -> T {
        guard case .mutualTLS(let tls) = plan.mode else { return await body(AgentConnections(http: nil)) }
        let http = HTTPClient(eventLoopGroupProvider: .singleton,
                              configuration: HTTPClient.Configuration(tlsConfiguration: try configuration(tls)))
        let result = await body(AgentConnections(http: http))
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
        guard let http else { return AgentClient(host: host.address, port: host.agentPort) }
        let authority = host.address.contains(":") ? "[\(host.address)]" : host.address
        return AgentClient(baseURL: "https://\(authority):\(host.agentPort)", http: http)
    }
}
