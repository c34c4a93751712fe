import SwiftASN1
// `verify(chain:usage:at:)` takes the time to judge validity at (tests, and callers that pin one moment for
// a whole check): swift-certificates offers that through this SPI only.
@_spi(FixedExpiryValidationTime) import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The CAs an agent or a client trusts: one PEM bundle that may hold several CA certificates (during a
/// rotation: old + new, so that leaves of either are accepted).
public struct TrustStore: Sendable {
    public let certificates: [Certificate]

    /// - Throws: ``AgentTrustError`` `.corrupt` when the bundle is not PEM or holds no certificate.
    public init(pemBundle: String) throws {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pemBundle)
        } catch {
            throw AgentTrustError(.corrupt, "the CA bundle is not PEM: \(error)")
        }
        var certificates: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            do {
                certificates.append(try Certificate(pemDocument: document))
            } catch {
                throw AgentTrustError(.corrupt, "the CA bundle holds a certificate that does not parse: \(error)")
            }
        }
        guard !certificates.isEmpty else {
            throw AgentTrustError(.corrupt, "the CA bundle holds no certificate")
        }
        self.certificates = certificates
    }

    /// Reads a PEM bundle file; errors name the file.
    public static func load(path: String) throws -> TrustStore {
        let text = try TrustFiles.readText(path, what: "CA bundle")
        do {
            return try TrustStore(pemBundle: text)
        } catch let error as AgentTrustError {
            throw AgentTrustError(error.code, "\(path): \(error.message)")
        }
    }

    /// Verifies a peer chain (leaf first, DER bytes as NIOSSL hands them over) for `usage` at `time`.
    ///
    /// Never throws: the decision says in plain words why a chain is refused. The common refusals (expired,
    /// not yet valid, unknown issuer, wrong EKU) are recognised here first, because the verifier only
    /// reports "no chain" for most of them; the verifier (RFC 5280 + EKU) then has the last word.
    public func verify(chain: [[UInt8]], usage: CertificateUsage, at time: Date = .now) async -> TrustDecision {
        guard !chain.isEmpty else { return .refused(reason: "no certificate presented") }
        let presented: [Certificate]
        do {
            presented = try chain.map { try Certificate(derEncoded: $0) }
        } catch {
            return .refused(reason: "not parseable: \(error)")
        }
        let leaf = presented[0]
        if let reason = precheck(leaf: leaf, intermediates: presented.dropFirst(), usage: usage, at: time) {
            return .refused(reason: reason)
        }
        var verifier = Verifier(rootCertificates: CertificateStore(certificates)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            ExtendedKeyUsagePolicy(usage: usage)
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(presented.dropFirst())) {
        case .validCertificate:
            return .trusted(subject: leaf.subject.description)
        case .couldNotValidate(let failures):
            if let failure = failures.first {
                return .refused(reason: "\(failure.policyFailureReason)")
            }
            return .refused(reason: untrustedIssuer(leaf.issuer))
        }
    }

    private func precheck(leaf: Certificate, intermediates: ArraySlice<Certificate>, usage: CertificateUsage, at time: Date) -> String? {
        if leaf.notValidAfter < time {
            return "certificate expired at \(leaf.notValidAfter.utcTimestamp)"
        }
        if leaf.notValidBefore > time {
            return "not valid before \(leaf.notValidBefore.utcTimestamp)"
        }
        // A name match is not enough: after a rotation the old and new CA may well share a name, so the
        // issuer is the trusted CA whose key verifies the leaf's signature.
        let signedByTrustedCA = certificates.contains {
            $0.subject == leaf.issuer && $0.publicKey.isValidSignature(leaf.signature, for: leaf)
        }
        let issuedByIntermediate = intermediates.contains { $0.subject == leaf.issuer }
        if !signedByTrustedCA && !issuedByIntermediate {
            return untrustedIssuer(leaf.issuer)
        }
        if !ExtendedKeyUsagePolicy.permits(leaf, usage) {
            return ExtendedKeyUsagePolicy.refusal(usage)
        }
        return nil
    }

    private func untrustedIssuer(_ issuer: DistinguishedName) -> String {
        "issued by \(issuer) which this agent does not trust"
    }
}
