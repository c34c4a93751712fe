import NIOSSL

/// The TLS side of talking to agents in `mtls` mode, as the management node does: present the client
/// certificate the deployer's CA issued, trust only that CA bundle (never the system's roots), and verify
/// the agent's certificate fully, its address included.
public enum AgentClientTLS {
    /// - Throws: `AgentClientError` naming the file that cannot be loaded.
    public static func configuration(certificatePath: String, keyPath: String, trustBundlePath: String) throws -> TLSConfiguration {
        let roots = try load("CA bundle", trustBundlePath) { try NIOSSLCertificate.fromPEMFile(trustBundlePath) }
        return try configuration(certificatePath: certificatePath, keyPath: keyPath, trustRoots: roots)
    }

    /// The same with the bundle given as PEM text: a caller that pinned the bundle it read (the deployer,
    /// for one run) is not affected by the file changing meanwhile.
    /// - Throws: `AgentClientError` naming the file or the bundle that cannot be loaded.
    public static func configuration(certificatePath: String, keyPath: String, trustBundlePEM: String) throws -> TLSConfiguration {
        let roots = try load("CA bundle", "given as PEM") { try NIOSSLCertificate.fromPEMBytes(Array(trustBundlePEM.utf8)) }
        return try configuration(certificatePath: certificatePath, keyPath: keyPath, trustRoots: roots)
    }

    private static func configuration(certificatePath: String, keyPath: String, trustRoots: [NIOSSLCertificate]) throws
        -> TLSConfiguration
    {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = try load("client certificate", certificatePath) {
            try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
        }
        configuration.privateKey = try load("client key", keyPath) { .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)) }
        configuration.trustRoots = .certificates(trustRoots)
        configuration.certificateVerification = .fullVerification
        return configuration
    }

    private static func load<T>(_ what: String, _ source: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw AgentClientError(code: .setup, message: "cannot load the \(what) \(source): \(error)")
        }
    }
}
