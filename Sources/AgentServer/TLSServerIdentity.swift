import AgentTrust
import Logging
import NIOCore
import NIOSSL

/// The agent's TLS side in `mtls` mode, loaded once at start: its certificate and key, and the CAs whose
/// client certificates it accepts. Loading fails with the file and the reason, so an agent told to
/// require certificates never starts without them.
///
/// Client chains are verified by AgentTrust's `TrustStore` rather than BoringSSL's default check, so a
/// refusal is logged with its cause in plain words (expired at …, issued by a CA this agent does not
/// trust, not a client certificate) instead of a bare handshake failure.
struct TLSServerIdentity: Sendable {
    private let context: NIOSSLContext
    private let trust: TrustStore

    init(_ files: MutualTLSFiles) throws(AgentSecurityError) {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
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
            trust = try TrustStore.load(path: files.trustBundlePath)
        } catch {
            throw AgentSecurityError("cannot load the trusted CA bundle \(files.trustBundlePath): \(error)")
        }
        guard !chain.isEmpty else { throw AgentSecurityError("\(files.certificatePath) holds no certificate") }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // Requires a client certificate; clients are identified by the CA that signed them, not a host name.
        configuration.certificateVerification = .noHostnameVerification
        do {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(files.trustBundlePath))
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw AgentSecurityError("the agent certificate, key and CA bundle do not form a usable TLS setup: \(error)")
        }
    }

    func serverHandler(peer: SocketAddress?, metrics: AgentMetrics, logger: Logger) -> NIOSSLServerHandler {
        let trust = trust
        return NIOSSLServerHandler(context: context) { certificates, promise in
            let chain: [[UInt8]]
            do {
                chain = try certificates.map { try $0.toDERBytes() }
            } catch {
                promise.succeed(.failed)
                return
            }
            // Verified on the connection's own event loop (a few signature checks), not the cooperative pool.
            Task(executorPreference: EventLoopTaskExecutor(promise.futureResult.eventLoop)) {
                switch await trust.verify(chain: chain, usage: .client) {
                case .trusted:
                    promise.succeed(.certificateVerified)
                case .refused(let reason):
                    metrics.connectionRefused(reason: "certificate")
                    logger.notice("client certificate refused", metadata: [
                        "peer": "\(peer.map { "\($0)" } ?? "unknown")", "reason": "\(reason)",
                    ])
                    promise.succeed(.failed)
                }
            }
        }
    }
}
