import Deployer
import Foundation
import TestSupport
import Testing

/// TLS to a server that offers it (port 3012, a self-signed certificate for localhost): verified against the
/// root the URL names, refused when nothing vouches for the certificate or it names another host. There is
/// no mode that trusts any certificate.
@Suite(.serialized) struct PostgresTLSTests {
    @Test func tlsIsVerifiedAgainstTheNamedRootAndTheHost() async throws {
        try await PostgresServer.with(port: 3012, tls: true) { server in
            let root = try #require(server.certificate)
            let base = "postgres://\(server.user):\(server.password)@localhost:3012/\(server.database)"
            for mode in ["verify-full", "require"] {
                let backend = try await PostgresBackend.connect(url: "\(base)?sslmode=\(mode)&sslrootcert=\(root)")
                let rows = try await withCleanUp({
                    try await backend.read([SQLStatement("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")])
                }, cleanUp: { await backend.close() })
                #expect(rows == [[SQLRow(["ssl": .boolean(true)])]], "sslmode=\(mode) connected over TLS")
            }

            // The system's roots do not vouch for a self-signed certificate.
            for url in ["\(base)?sslmode=require", base] {
                await expectRefused(url, server: server, because: "CERTIFICATE_VERIFY_FAILED")
            }
            // Trusted, but made for the name localhost: the address 127.0.0.1 is not in it.
            let byAddress = base.replacingOccurrences(of: "@localhost:", with: "@127.0.0.1:") + "?sslrootcert=\(root)"
            await expectRefused(byAddress, server: server, because: "failedToValidateHostname")
        }
    }

    private func expectRefused(_ url: String, server: PostgresServer, because reason: String) async {
        do {
            let backend = try await PostgresBackend.connect(url: url)
            await backend.close()
            Issue.record("\(url) connected")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("cannot connect to PostgreSQL at "), "\(message)")
            #expect(message.contains(reason), "\(message)")
            #expect(!message.contains(server.password))
        }
    }
}
