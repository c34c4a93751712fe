import AgentTrust
import Foundation

/// What `zstack-deploy ca show` prints: the CA that issues, the bundle agents trust, the client
/// certificate, and the rotation if one is in progress. Never a key.
public struct TrustSummary: Sendable {
    public var authority: CertificateSummary
    public var bundle: [CertificateSummary]
    public var client: CertificateSummary
    public var bundlePath: String
    public var clientCertificatePath: String
    public var clientKeyPath: String
    public var rotation: RotationProgress?
}

/// A CA rotation in progress and how far it got.
public struct RotationProgress: Sendable {
    public var phase: RotationPhase
    public var previousAuthority: CertificateSummary
    public var startedAt: Date
    /// Hosts that received the current bundle (for the phase) / all hosts.
    public var hostsDone: Int
    public var hosts: Int
}

/// The two passes of a rotation.
public enum RotationPhase: String, Codable, Sendable {
    /// Every host gets the bundle old+new and a certificate from the new CA; the client is still the old CA's.
    case spreading
    /// The client certificate is the new CA's; every host gets the bundle without the old CA.
    case dropping

    public var explanation: String {
        switch self {
        case .spreading: "1/2: hosts get the bundle old+new CA and a certificate from the new CA"
        case .dropping: "2/2: the client certificate is the new CA's; hosts get the bundle without the old CA"
        }
    }
}
