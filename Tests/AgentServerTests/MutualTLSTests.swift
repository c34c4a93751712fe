import AgentClient
import AgentServer
import TestSupport
import AgentTrust
import AsyncHTTPClient
import Foundation
import Logging
import NIOSSL
import Testing

/// `--auth mtls` over real TLS on loopback, with certificates from the deployer's CA (AgentTrust): the
/// right client certificate is served; none, an expired one, one from another CA, a server certificate
/// used as a client's, and plain HTTP are refused, each counted by reason.
@Suite struct MutualTLSTests {
    /// A CA, the agent's identity from it, and files for clients, in a private directory.
    struct PKI {
        let directory: String
        let ca: CertificateAuthority
        let agentFiles: MutualTLSFiles

        init(bundle: [CertificateAuthority]? = nil, ca: CertificateAuthority? = nil) throws {
            directory = try TemporaryDirectory("mtls").path
            let ca = try ca ?? CertificateAuthority.create(commonName: "test deployer CA", notAfter: .now + 86_400)
            self.ca = ca
            let server = try ca.issue(.server(commonName: "agent", addresses: ["127.0.0.1"]), notAfter: .now + 3600)
            try server.write(certificateTo: directory + "/agent.crt", keyTo: directory + "/agent.key")
            try (bundle ?? [ca]).map(\.certificatePEM).joined(separator: "\n")
                .write(toFile: directory + "/ca-bundle.pem", atomically: true, encoding: .utf8)
            agentFiles = MutualTLSFiles(certificatePath: directory + "/agent.crt", privateKeyPath: directory + "/agent.key",
                                        trustBundlePath: directory + "/ca-bundle.pem")
        }

        /// An HTTP client that trusts `ca` for the agent (full verification: the agent's IP SAN) and presents
        /// `certificate`, if any.
        func client(presenting certificate: IssuedCertificate?) throws -> HTTPClient {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(ca.certificatePEM.utf8), format: .pem)])
            if let certificate {
                tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(certificate.certificatePEM.utf8), format: .pem))]
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem))
            }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool.retryConnectionEstablishment = false
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    private func server(_ files: MutualTLSFiles) throws -> AgentServer {
        var configuration = AgentServerConfiguration.test()
        configuration.authentication = .mutualTLS(files)
        return try AgentServer(configuration: configuration, routes: [ProbeRoutes(gates: Gates())], logger: Logger(label: "test.mtls"))
    }

    /// Sends `/test/sync` with `client`; nil when the connection or handshake failed.
    private func probe(_ client: HTTPClient, port: Int) async -> ProbeReply? {
        try? await AgentClient(baseURL: "https://127.0.0.1:\(port)", http: client)
            .sync("/test/sync", ProbeCommand(value: 42), as: ProbeReply.self, timeout: .seconds(60))
    }

    @Test func onlyClientsWithACertificateFromTheTrustedCAAreServed() async throws {
        let pki = try PKI()
        defer { pki.remove() }
        let stranger = try CertificateAuthority.create(commonName: "someone else's CA", notAfter: .now + 86_400)
        let clients = [
            ("good", try pki.client(presenting: try pki.ca.issue(.client(commonName: "mn"), notAfter: .now + 3600))),
            ("none", try pki.client(presenting: nil)),
            ("expired", try pki.client(presenting: try pki.ca.issue(.client(commonName: "mn"), notBefore: .now - 7200, notAfter: .now - 3600))),
            ("foreign", try pki.client(presenting: try stranger.issue(.client(commonName: "mn"), notAfter: .now + 3600))),
            ("server-as-client", try pki.client(presenting: try pki.ca.issue(.server(commonName: "x", addresses: ["127.0.0.1"]), notAfter: .now + 3600))),
        ]
        try await RunningAgent.with(try server(pki.agentFiles)) { agent in
            var answers: [String: Int?] = [:]
            for (name, client) in clients { answers[name] = await probe(client, port: agent.port)?.value }
            #expect(answers["good"] == 42)
            for refused in ["none", "expired", "foreign", "server-as-client"] {
                #expect(answers[refused] == .some(nil), "\(refused) was served")
            }
            // Plain HTTP to the TLS port gets no HTTP answer, and the connection is closed.
            let plain = try await RawConnection.exchange(
                port: agent.port, send: Array("POST /test/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".utf8),
                within: .seconds(20))
            #expect(plain.closedByAgent && !String(decoding: plain.received, as: UTF8.self).contains("HTTP/1.1"))
            let metrics = try await AgentClient(baseURL: "https://127.0.0.1:\(agent.port)", http: clients[0].1)
                .post("/metrics", body: [])
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains(#"zstack_agent_auth_mode{mode="mtls"} 1"#))
            #expect(text.contains(#"zstack_agent_connections_refused_total{reason="certificate"} 3"#), "\(text)")
            #expect(text.contains(#"zstack_agent_connections_refused_total{reason="tls"}"#))
        }
        for (_, client) in clients { try await client.shutdown() }
    }

    @Test func aRotatedBundleTrustsBothCAsThenOnlyTheNewOne() async throws {
        let old = try CertificateAuthority.create(commonName: "old CA", notAfter: .now + 86_400)
        let new = try CertificateAuthority.create(commonName: "new CA", notAfter: .now + 86_400)
        let oldClient = try old.issue(.client(commonName: "mn"), notAfter: .now + 3600)
        let newClient = try new.issue(.client(commonName: "mn"), notAfter: .now + 3600)
        for (bundle, oldServed) in [([old, new], true), ([new], false)] {
            let pki = try PKI(bundle: bundle, ca: new)
            defer { pki.remove() }
            let viaOld = try pki.client(presenting: oldClient)
            let viaNew = try pki.client(presenting: newClient)
            try await RunningAgent.with(try server(pki.agentFiles)) { agent in
                #expect(await probe(viaNew, port: agent.port)?.value == 42)
                #expect((await probe(viaOld, port: agent.port) != nil) == oldServed)
            }
            try await viaOld.shutdown()
            try await viaNew.shutdown()
        }
    }

    @Test func zstackAgentctlSpeaksMutualTLSWithTheClientCertificate() async throws {
        let pki = try PKI()
        defer { pki.remove() }
        let client = try pki.ca.issue(.client(commonName: "operator"), notAfter: .now + 3600)
        try client.write(certificateTo: pki.directory + "/client.crt", keyTo: pki.directory + "/client.key")
        try pki.ca.certificatePEM.write(toFile: pki.directory + "/ca.crt", atomically: true, encoding: .utf8)
        let agentctl = Repository.binaryDirectory.appendingPathComponent("zstack-agentctl").path
        try await RunningAgent.with(try server(pki.agentFiles)) { agent in
            let url = "https://127.0.0.1:\(agent.port)"
            // Run without blocking a thread: the in-process agent needs the pool to answer.
            let reply = try await Program.check([
                agentctl, "sync", "--agent", url, "--tls-cert", pki.directory + "/client.crt", "--tls-key", pki.directory + "/client.key",
                "--tls-ca", pki.directory + "/ca.crt", "/test/sync", #"{"value":42}"#,
            ])
            #expect(reply.output.contains("42"))
            // The agent's own certificate (a server certificate) as the client's: refused.
            let refused = try await Program.run([
                agentctl, "sync", "--agent", url, "--tls-cert", pki.directory + "/agent.crt", "--tls-key", pki.directory + "/agent.key",
                "--tls-ca", pki.directory + "/ca.crt", "/test/sync", "{}",
            ])
            #expect(refused.status != 0, "\(refused.transcript)")
        }
    }

    @Test func missingOrBrokenTLSFilesStopTheAgentFromStarting() throws {
        let pki = try PKI()
        defer { pki.remove() }
        var missingKey = pki.agentFiles
        missingKey.privateKeyPath = pki.directory + "/nope.key"
        #expect { try server(missingKey) } throws: { "\($0)".contains("nope.key") }
        try "not a certificate".write(toFile: pki.directory + "/bad.pem", atomically: true, encoding: .utf8)
        var badBundle = pki.agentFiles
        badBundle.trustBundlePath = pki.directory + "/bad.pem"
        #expect { try server(badBundle) } throws: { "\($0)".contains("bad.pem") }
    }
}
