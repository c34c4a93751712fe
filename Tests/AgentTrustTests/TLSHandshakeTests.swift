import AgentTrust
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// Proves that swift-nio-ssl (BoringSSL) accepts the PEMs AgentTrust produces, in a real mutual-TLS
/// handshake on loopback: the server requires a client certificate from the CA, the client fully verifies
/// the server, with the peer's IP address checked against the IP SAN.
@Suite struct TLSHandshakeTests {
    @Test func mutualTLSHandshakeWithIssuedCertificates() async throws {
        let ca = try CertificateAuthority.create(commonName: "handshake CA", notAfter: .now + year)
        let server = try ca.issue(.server(commonName: "agent", addresses: ["127.0.0.1"]), notAfter: .now + hour)
        let client = try ca.issue(.client(commonName: "mn"), notAfter: .now + hour)
        let reply = try await Self.roundTrip(ca: ca, server: server, client: client, trustedByClient: ca)
        #expect(reply == "ping")
    }

    @Test func handshakeFailsForAClientOfAnotherCA() async throws {
        let ca = try CertificateAuthority.create(commonName: "handshake CA", notAfter: .now + year)
        let rogue = try CertificateAuthority.create(commonName: "rogue CA", notAfter: .now + year)
        let server = try ca.issue(.server(commonName: "agent", addresses: ["127.0.0.1"]), notAfter: .now + hour)
        let client = try rogue.issue(.client(commonName: "mn"), notAfter: .now + hour)
        // With TLS 1.3 the client may finish its side before the server refuses it: the refusal then shows
        // as an error or an end of stream on the first read, never as the echo.
        let reply = try? await Self.roundTrip(ca: ca, server: server, client: client, trustedByClient: ca)
        #expect(reply != "ping")
    }

    @Test func handshakeFailsWhenTheServerAddressIsNotInItsSAN() async throws {
        let ca = try CertificateAuthority.create(commonName: "handshake CA", notAfter: .now + year)
        let server = try ca.issue(.server(commonName: "agent", addresses: ["10.9.9.9"]), notAfter: .now + hour)
        let client = try ca.issue(.client(commonName: "mn"), notAfter: .now + hour)
        // With TLS 1.3 the client may finish its side before the server refuses it: the refusal then shows
        // as an error or an end of stream on the first read, never as the echo.
        let reply = try? await Self.roundTrip(ca: ca, server: server, client: client, trustedByClient: ca)
        #expect(reply != "ping")
    }

    /// Starts a TLS echo server on 127.0.0.1 (ephemeral port), connects once, sends "ping", returns the echo.
    private static func roundTrip(
        ca: CertificateAuthority, server: IssuedCertificate, client: IssuedCertificate, trustedByClient: CertificateAuthority
    ) async throws -> String {
        let caCertificate = try NIOSSLCertificate(bytes: Array(ca.certificatePEM.utf8), format: .pem)
        var serverConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(server.certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(server.privateKeyPEM.utf8), format: .pem))
        )
        // A server cannot check a client's "hostname": it requires a certificate chaining to the CA.
        serverConfiguration.certificateVerification = .noHostnameVerification
        serverConfiguration.trustRoots = .certificates([caCertificate])
        let serverContext = try NIOSSLContext(configuration: serverConfiguration)

        var clientConfiguration = TLSConfiguration.makeClientConfiguration()
        clientConfiguration.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(client.certificatePEM.utf8), format: .pem))]
        clientConfiguration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(client.privateKeyPEM.utf8), format: .pem))
        clientConfiguration.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(trustedByClient.certificatePEM.utf8), format: .pem)])
        clientConfiguration.certificateVerification = .fullVerification
        let clientContext = try NIOSSLContext(configuration: clientConfiguration)

        let group = MultiThreadedEventLoopGroup.singleton
        let listener = try await ServerBootstrap(group: group)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(listener.channel.localAddress?.port)
        let serving = Task {
            try? await listener.executeThenClose { connections in
                for try await connection in connections {
                    try? await connection.executeThenClose { inbound, outbound in
                        for try await bytes in inbound { try await outbound.write(bytes) }
                    }
                }
            }
        }
        defer {
            listener.channel.close(promise: nil)
            serving.cancel()
        }

        let connection = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // No server name: NIOSSL then checks the peer's IP address against the IP SANs.
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: clientContext, serverHostname: nil))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "ping"))
            var received = ""
            for try await bytes in inbound {
                received += String(buffer: bytes)
                if received.count >= 4 { break }
            }
            return received
        }
    }
}
