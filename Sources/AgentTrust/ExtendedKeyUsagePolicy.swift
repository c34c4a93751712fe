import SwiftASN1
import X509

/// The verifier policy that the leaf is meant for `usage`: a client certificate cannot serve as an agent's
/// server certificate and the other way round, even when both come from the same CA.
struct ExtendedKeyUsagePolicy: VerifierPolicy {
    let usage: CertificateUsage

    // We enforce EKU, so a leaf that marks it critical is understood here.
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        if Self.permits(chain.leaf, usage) { return .meetsPolicy }
        return .failsToMeetPolicy(reason: Self.refusal(usage))
    }

    /// A leaf without the EKU extension is refused: every certificate our CA issues carries one, and an
    /// "any purpose" leaf is exactly what mutual TLS must not accept.
    static func permits(_ leaf: Certificate, _ usage: CertificateUsage) -> Bool {
        guard let eku = try? leaf.extensions.extendedKeyUsage else { return false }
        switch usage {
        case .client: return eku.contains(.clientAuth)
        case .server: return eku.contains(.serverAuth)
        }
    }

    static func refusal(_ usage: CertificateUsage) -> String {
        "not a \(usage.name) certificate (extended key usage)"
    }
}
