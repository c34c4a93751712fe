import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

extension HTTPClient {
    /// The client agents use to reach the MN (callbacks, events). Unlike `.shared` it fails a request as soon
    /// as a connection cannot be made, so `CallbackSender` owns the retry policy (ZStack's 60 s window, 404
    /// stops it) and counts the retries. Process-wide and never shut down, like `.shared`.
    static let toManagementNode: HTTPClient = makeToManagementNode(tls: nil)

    /// In `mtls` mode, https callbacks and events trust the agent's CA bundle (never the system's roots,
    /// never "trust all") and present the agent's certificate. One client per identity, process-wide.
    static func toManagementNode(identity files: MutualTLSFiles) throws(AgentSecurityError) -> HTTPClient {
        try mutualTLSClients.withLock { clients throws(AgentSecurityError) in
            if let client = clients[files] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(files.trustBundlePath))
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(files.certificatePath).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem))
            } catch {
                throw AgentSecurityError("cannot load the TLS files for callbacks to the management node: \(error)")
            }
            let client = makeToManagementNode(tls: tls)
            clients[files] = client
            return client
        }
    }

    private static let mutualTLSClients = Mutex<[MutualTLSFiles: HTTPClient]>([:])

    private static func makeToManagementNode(tls: TLSConfiguration?) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        // Callbacks and events reuse pooled connections; the MN's Tomcat keeps them alive for 120 s
        // (installation/install.sh sets connectionTimeout, which keepAliveTimeout defaults to), longer than
        // the pool keeps one idle (60 s), so the agent closes an idle connection before the MN would. At most
        // this many connections per MN: more callbacks at once wait for one (ZStack's Tomcat runs 400
        // request threads for every agent of the cloud).
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        configuration.timeout.connect = .seconds(5)
        configuration.tlsConfiguration = tls
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }
}
