import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a leaf certificate is for.
public enum CertificateProfile: Sendable {
    /// An agent's listener: EKU serverAuth; the SANs are the IP addresses (IPv4 or IPv6 text) and DNS names
    /// clients connect to, which they check as the hostname.
    case server(commonName: String, addresses: [String], dnsNames: [String] = [])
    /// A caller of agents (the management node, the deployer, zstack-agentctl): EKU clientAuth.
    case client(commonName: String)

    var commonName: String {
        switch self {
        case .server(let commonName, _, _), .client(let commonName): commonName
        }
    }

    /// The profile's own extensions (the CA adds the key identifiers).
    func extensions(authorityKeyIdentifier: ArraySlice<UInt8>?, subjectKey: Certificate.PublicKey) throws -> Certificate.Extensions {
        let names = try subjectAlternativeNames()
        let usage: ExtendedKeyUsage.Usage
        switch self {
        case .server: usage = .serverAuth
        case .client: usage = .clientAuth
        }
        return try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            // digitalSignature is all an ECDSA TLS key does (the handshake signature).
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([usage])
            SubjectKeyIdentifier(hash: subjectKey)
            if let authorityKeyIdentifier {
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
            }
            if !names.isEmpty {
                SubjectAlternativeNames(names)
            }
        }
    }

    private func subjectAlternativeNames() throws -> [GeneralName] {
        guard case .server(_, let addresses, let dnsNames) = self else { return [] }
        if addresses.isEmpty && dnsNames.isEmpty {
            throw AgentTrustError(.invalidArgument, "a server certificate needs at least one address or DNS name")
        }
        return try addresses.map { .ipAddress(ASN1OctetString(contentBytes: try Self.addressBytes($0)[...])) }
            + dnsNames.map { .dnsName($0) }
    }

    /// The 4 or 16 bytes of an IP address, as the SAN holds them.
    static func addressBytes(_ text: String) throws -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        throw AgentTrustError(.invalidArgument, "not an IP address: \(text) (put host names in dnsNames)")
    }
}
