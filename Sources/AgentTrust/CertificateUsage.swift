/// Which side of a TLS connection a certificate must be good for.
public enum CertificateUsage: Sendable {
    /// A caller: the agent checks the management node's (or deployer's) certificate.
    case client
    /// A listener: a caller checks the agent's certificate.
    case server

    var name: String {
        switch self {
        case .client: "client"
        case .server: "server"
        }
    }
}

/// The outcome of ``TrustStore/verify(chain:usage:at:)``: who was trusted, or in plain words why not.
public enum TrustDecision: Sendable, Equatable {
    case trusted(subject: String)
    case refused(reason: String)
}
