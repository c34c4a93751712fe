import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an operator needs to know about a certificate without X509 in hand: who, by whom, until when, and
/// the fingerprint to compare with `openssl x509 -fingerprint -sha256`.
public struct CertificateSummary: Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var fingerprint: String
    public var notBefore: Date
    public var notAfter: Date
}

extension TrustStore {
    /// One summary per certificate of the bundle, in bundle order.
    public var summaries: [CertificateSummary] {
        certificates.map {
            CertificateSummary(subject: $0.subject.description, issuer: $0.issuer.description,
                               fingerprint: $0.sha256Fingerprint, notBefore: $0.notValidBefore, notAfter: $0.notValidAfter)
        }
    }
}
