/// Who may command the agent, besides the source-address allow-list that applies in every mode.
///
/// ZStack's Python agents accept any peer. `mutualTLS` is what `zstack-deploy` provisions; `token` suits a
/// management side that cannot hold a certificate; `none` keeps an unmodified ZStack MN working on plain
/// HTTP (the agent warns at start and exposes the mode in `/metrics`). Nothing falls back silently: a
/// configured mode whose files are missing or unreadable stops the agent at start with the reason.
public enum AgentAuthentication: Sendable, Equatable {
    case none
    /// `Authorization: Bearer <token>`, compared in constant time. The token comes from a 0600 file.
    case token(AgentToken)
    /// TLS with a required client certificate signed by one of the CAs in `trustBundlePath`.
    case mutualTLS(MutualTLSFiles)

    /// The mode's name as flags, logs and `/metrics` spell it.
    public var mode: String {
        switch self {
        case .none: "none"
        case .token: "token"
        case .mutualTLS: "mtls"
        }
    }
}

/// The files of the agent's TLS identity and of the CAs it trusts for clients.
public struct MutualTLSFiles: Sendable, Hashable {
    /// PEM certificate chain of this agent (leaf first).
    public var certificatePath: String
    /// PEM private key of that certificate.
    public var privateKeyPath: String
    /// PEM bundle of the CA certificates whose clients are accepted (two during a CA rotation).
    public var trustBundlePath: String

    public init(certificatePath: String, privateKeyPath: String, trustBundlePath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.trustBundlePath = trustBundlePath
    }
}
