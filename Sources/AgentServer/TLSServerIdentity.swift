import Logging
import NIOCore
import NIOSSL

/// The agent's TLS side in `mtls` mode, loaded once at start: its certificate and key, and the CAs whose
/// client certificates it accepts. Loading fails with the file and the reason, so an agent told to
/// require certificates never starts without them.
struct TLSServerIdentity: Sendable {
    private let context: NIOSSLContext

    init(_ files: MutualTLSFiles) throws(AgentSecurityError) {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        let roots: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath)
        } catch {
            throw AgentSecurityError("cannot load the agent certificate \(files.certificatePath): \(error)")
        }
        do {
            key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
        } catch {
            throw AgentSecurityError("cannot load the agent private key \(files.privateKeyPath): \(error)")
        }
        do {
            roots = try NIOSSLCertificate.fromPEMFile(files.trustBundlePath)
        } catch {
            throw AgentSecurityError("cannot load the trusted CA bundle \(files.trustBundlePath): \(error)")
        }
        guard !chain.isEmpty else { throw AgentSecurityError("\(files.certificatePath) holds no certificate") }
        guard !roots.isEmpty else { throw AgentSecurityError("\(files.trustBundlePath) holds no CA certificate") }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // Clients are identified by the CA that signed them, not by a host name.
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates(roots)
        configuration.sendCANameList = true
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw AgentSecurityError("the agent certificate, key and CA bundle do not form a usable TLS setup: \(error)")
        }
    }

    func serverHandler(peer: SocketAddress?, metrics: AgentMetrics, logger: Logger) -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: context)
    }
}
