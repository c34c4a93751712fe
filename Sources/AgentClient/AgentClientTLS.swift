import NIOSSL

/// The TLS side of talking to agents in `mtls` mode, as the management node does: present the client
/// certificate the deployer's CA issued, trust only that CA bundle (never the system's roots), and verify
/// the agent's certificate fully, its address included.
public enum AgentClientTLS {
    /// - Throws: `AgentClientError` naming the file that cannot be loaded.
    public static func configuration(certificatePath: String, keyPath: String, trustBundlePath: String) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        func load<T>(_ what: String, _ path: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch {
                throw AgentClientError(code: .setup, message: "cannot load the \(what) \(path): \(error)")
            }
        }
        configuration.certificateChain = try load("client certificate", certificatePath) {
            try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
        }
        configuration.privateKey = try load("client key", keyPath) { .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)) }
        configuration.trustRoots = try load("CA bundle", trustBundlePath) { .certificates(try NIOSSLCertificate.fromPEMFile(trustBundlePath)) }
        configuration.certificateVerification = .fullVerification
        return configuration
    }
}
