/// A leaf certificate and its private key, both PEM, as ``CertificateAuthority/issue(_:notBefore:notAfter:)``
/// returns them.
public struct IssuedCertificate: Sendable {
    public var certificatePEM: String
    /// PKCS#8 PEM, readable by OpenSSL and by swift-nio-ssl's `NIOSSLPrivateKey(bytes:format: .pem)`.
    public var privateKeyPEM: String
    /// SHA-256 of the DER certificate, "AA:BB:...".
    public var fingerprint: String

    public init(certificatePEM: String, privateKeyPEM: String, fingerprint: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.fingerprint = fingerprint
    }

    /// Writes the certificate (0644) and the key (0600, created with that mode), each atomically.
    /// The key goes first so that a certificate on disk always has its key beside it.
    public func write(certificateTo certificatePath: String, keyTo keyPath: String) throws {
        try TrustFiles.writeText(privateKeyPEM, to: keyPath, mode: 0o600, what: "private key")
        try TrustFiles.writeText(certificatePEM, to: certificatePath, mode: 0o644, what: "certificate")
    }
}

extension IssuedCertificate: CustomStringConvertible {
    /// Never the key: a certificate printed or interpolated into a log shows only its fingerprint.
    public var description: String { "IssuedCertificate(\(fingerprint))" }
}
