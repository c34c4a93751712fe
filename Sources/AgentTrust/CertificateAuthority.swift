import Crypto
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A certificate authority that issues the agents' server certificates and their callers' client
/// certificates. ECDSA P-256: small, fast, and accepted by every TLS stack the fleet runs.
///
/// A value type holding the certificate and its private key; nothing here logs or prints the key.
public struct CertificateAuthority: Sendable {
    let certificate: Certificate
    private let privateKey: Certificate.PrivateKey

    /// File names inside the directory given to ``load(from:)`` and ``save(to:)``.
    public static let certificateFileName = "ca.crt"
    public static let keyFileName = "ca.key"

    private init(certificate: Certificate, privateKey: Certificate.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// New self-signed CA, ECDSA P-256, basicConstraints CA:true, keyUsage keyCertSign+cRLSign.
    ///
    /// - Parameters:
    ///   - commonName: the CN of the subject (and issuer).
    ///   - notBefore: start of validity.
    ///   - notAfter: end of validity; must be after `notBefore`.
    /// - Throws: ``AgentTrustError`` `.invalidArgument` for an empty validity, `.signing` if signing fails.
    public static func create(commonName: String, notBefore: Date = .now, notAfter: Date) throws -> CertificateAuthority {
        let notBefore = notBefore.wholeSecond, notAfter = notAfter.wholeSecond
        guard notAfter > notBefore else {
            throw AgentTrustError(.invalidArgument, "the CA's notAfter (\(notAfter.utcTimestamp)) is not after its notBefore (\(notBefore.utcTimestamp))")
        }
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        do {
            let name = try DistinguishedName { CommonName(commonName) }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
            }
            let certificate = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: key.publicKey,
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: name,
                subject: name,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: key
            )
            return CertificateAuthority(certificate: certificate, privateKey: key)
        } catch let error as AgentTrustError {
            throw error
        } catch {
            throw AgentTrustError(.signing, "cannot create the CA \(commonName): \(error)")
        }
    }

    /// Loads `ca.crt` + `ca.key` (PEM) from a directory.
    ///
    /// - Throws: ``AgentTrustError`` naming the file that is missing, unreadable or corrupt, or saying that
    ///   the key does not belong to the certificate.
    public static func load(from directory: String) throws -> CertificateAuthority {
        let certificatePath = "\(directory)/\(certificateFileName)"
        let keyPath = "\(directory)/\(keyFileName)"
        let certificateText = try TrustFiles.readText(certificatePath, what: "CA certificate")
        let keyText = try TrustFiles.readText(keyPath, what: "CA key")
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: certificateText)
        } catch {
            throw AgentTrustError(.corrupt, "the CA certificate \(certificatePath) is not a PEM certificate: \(error)")
        }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyText)
        } catch {
            // Never the key's text, not even a part of it: only that it did not parse.
            throw AgentTrustError(.corrupt, "the CA key \(keyPath) is not a PEM private key")
        }
        guard key.publicKey == certificate.publicKey else {
            throw AgentTrustError(.corrupt, "the CA key \(keyPath) does not belong to the certificate \(certificatePath)")
        }
        return CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// Writes `ca.crt` (0644) and `ca.key` (0600, created with that mode), in `directory` made 0700.
    public func save(to directory: String) throws {
        try TrustFiles.makeDirectory(directory, mode: 0o700)
        let keyPEM = try Self.pem(of: privateKey, what: "CA key")
        try TrustFiles.writeText(keyPEM, to: "\(directory)/\(Self.keyFileName)", mode: 0o600, what: "CA key")
        try TrustFiles.writeText(certificatePEM, to: "\(directory)/\(Self.certificateFileName)", mode: 0o644, what: "CA certificate")
    }

    public var certificatePEM: String {
        // Encoding a certificate we parsed or built cannot fail; "" is never a valid PEM if it somehow did.
        (try? certificate.pemString()) ?? ""
    }

    /// SHA-256 of the DER certificate, "AA:BB:..." upper-case hex.
    public var fingerprint: String { certificate.sha256Fingerprint }

    /// The subject in RFC 4514 form ("CN=zstack-deploy CA ...").
    public var subject: String { certificate.subject.description }

    public var notAfter: Date { certificate.notValidAfter }

    /// A leaf signed by this CA, with a new P-256 key.
    ///
    /// A leaf cannot be valid for longer than its issuer (chain validation refuses it after the CA expires
    /// anyway), so `notAfter` is capped at the CA's own expiry.
    ///
    /// - Throws: ``AgentTrustError`` `.invalidArgument` for a server profile without names, an address
    ///   that is not an IP address or an empty validity; `.signing` if signing fails.
    public func issue(_ profile: CertificateProfile, notBefore: Date = .now, notAfter: Date) throws -> IssuedCertificate {
        let notBefore = notBefore.wholeSecond, notAfter = min(notAfter.wholeSecond, certificate.notValidAfter)
        guard notAfter > notBefore else {
            throw AgentTrustError(.invalidArgument, "the certificate for \(profile.commonName) would not be valid at any time (notAfter \(notAfter.utcTimestamp), notBefore \(notBefore.utcTimestamp))")
        }
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let extensions = try profile.extensions(
            authorityKeyIdentifier: (try? certificate.extensions.subjectKeyIdentifier)??.keyIdentifier,
            subjectKey: key.publicKey
        )
        let leaf: Certificate
        do {
            leaf = try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: key.publicKey,
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: certificate.subject,
                subject: try DistinguishedName { CommonName(profile.commonName) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions,
                issuerPrivateKey: privateKey
            )
        } catch {
            throw AgentTrustError(.signing, "cannot sign the certificate for \(profile.commonName): \(error)")
        }
        return IssuedCertificate(
            certificatePEM: try leaf.pemString(),
            privateKeyPEM: try Self.pem(of: key, what: "key of \(profile.commonName)"),
            fingerprint: leaf.sha256Fingerprint
        )
    }

    /// PKCS#8 PEM ("BEGIN PRIVATE KEY"), which OpenSSL and swift-nio-ssl read.
    private static func pem(of key: Certificate.PrivateKey, what: String) throws -> String {
        do {
            return try key.serializeAsPEM().pemString + "\n"
        } catch {
            throw AgentTrustError(.corrupt, "cannot encode the \(what) as PEM")
        }
    }
}

extension CertificateAuthority: CustomStringConvertible {
    /// Never the key: interpolating a CA into a message shows who it is, not what it signs with.
    public var description: String { "CertificateAuthority(\(subject), \(fingerprint))" }
}
