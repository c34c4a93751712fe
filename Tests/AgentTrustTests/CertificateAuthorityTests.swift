import AgentTrust
import Foundation
import SwiftASN1
import Testing
import TestSupport
import X509

@Suite struct CertificateAuthorityTests {
    @Test func saveAndLoadRoundTripWithPrivateModes() async throws {
        let temporary = try TemporaryDirectory("agenttrust")
        defer { temporary.remove() }
        let ca = try CertificateAuthority.create(commonName: "zstack test CA", notAfter: .now + year)
        let directory = temporary.path + "/data/ca"
        try ca.save(to: directory)

        #expect(try mode(of: directory) == 0o700)
        #expect(try mode(of: directory + "/ca.key") == 0o600)
        #expect(try mode(of: directory + "/ca.crt") == 0o644)

        let loaded = try CertificateAuthority.load(from: directory)
        #expect(loaded.fingerprint == ca.fingerprint)
        #expect(loaded.subject == "CN=zstack test CA")
        #expect(loaded.certificatePEM == ca.certificatePEM)
        #expect(abs(loaded.notAfter.timeIntervalSince(ca.notAfter)) < 1)
        // The loaded key signs: a leaf issued by it verifies against the saved certificate.
        let leaf = try loaded.issue(.client(commonName: "mn"), notAfter: .now + hour)
        let store = try TrustStore(pemBundle: ca.certificatePEM)
        #expect(try await store.verify(chain: derChain(leaf), usage: .client) == .trusted(subject: "CN=mn"))
    }

    @Test func loadNamesTheMissingOrCorruptFile() throws {
        let temporary = try TemporaryDirectory("agenttrust")
        defer { temporary.remove() }
        let missing = #expect(throws: AgentTrustError.self) { try CertificateAuthority.load(from: temporary.path) }
        #expect(missing?.message.contains("\(temporary.path)/ca.crt") == true)

        try CertificateAuthority.create(commonName: "CA", notAfter: .now + hour).save(to: temporary.path)
        try "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"
            .write(toFile: temporary.path + "/ca.key", atomically: true, encoding: .utf8)
        let corrupt = #expect(throws: AgentTrustError.self) { try CertificateAuthority.load(from: temporary.path) }
        #expect(corrupt?.message.contains("\(temporary.path)/ca.key") == true)
        #expect(corrupt?.message.contains("not a key") == false)

        let other = try CertificateAuthority.create(commonName: "other", notAfter: .now + hour)
        try other.save(to: temporary.path + "/other")
        try FileManager.default.removeItem(atPath: temporary.path + "/ca.key")
        try FileManager.default.copyItem(atPath: temporary.path + "/other/ca.key", toPath: temporary.path + "/ca.key")
        let mismatched = #expect(throws: AgentTrustError.self) { try CertificateAuthority.load(from: temporary.path) }
        #expect(mismatched?.message.contains("does not belong") == true)
    }

    @Test func caCertificateIsACA() throws {
        let ca = try CertificateAuthority.create(commonName: "CA", notAfter: .now + year)
        let certificate = try Certificate(pemEncoded: ca.certificatePEM)
        #expect(try certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        let usage = try #require(try certificate.extensions.keyUsage)
        #expect(usage.keyCertSign && usage.cRLSign && !usage.digitalSignature)
        #expect(certificate.issuer == certificate.subject)
        #expect(ca.fingerprint.count == 32 * 3 - 1)
        #expect(ca.fingerprint.allSatisfy { $0 == ":" || $0.isHexDigit && !$0.isLowercase })
        #expect(!ca.description.contains("PRIVATE"))
    }

    @Test func issuesServerAndClientCertificates() throws {
        let ca = try CertificateAuthority.create(commonName: "CA", notAfter: .now + year)
        let server = try ca.issue(.server(commonName: "host-uuid", addresses: ["10.0.0.5", "fd00::5"], dnsNames: ["kvm5"]), notAfter: .now + hour)
        let serverCertificate = try Certificate(pemEncoded: server.certificatePEM)
        #expect(serverCertificate.issuer == (try Certificate(pemEncoded: ca.certificatePEM)).subject)
        #expect(try serverCertificate.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
        #expect(try serverCertificate.extensions.extendedKeyUsage?.contains(.clientAuth) == false)
        #expect(try serverCertificate.extensions.basicConstraints == .notCertificateAuthority)
        let names = try #require(try serverCertificate.extensions.subjectAlternativeNames)
        #expect(names.contains(.ipAddress(.init(contentBytes: [10, 0, 0, 5]))))
        #expect(names.contains(.ipAddress(.init(contentBytes: [0xfd, 0] + Array(repeating: 0, count: 13) + [5]))))
        #expect(names.contains(.dnsName("kvm5")))
        #expect(server.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(!server.description.contains("PRIVATE"))

        let client = try ca.issue(.client(commonName: "zstack-deploy"), notAfter: .now + hour)
        let clientCertificate = try Certificate(pemEncoded: client.certificatePEM)
        #expect(try clientCertificate.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
        #expect(try clientCertificate.extensions.subjectAlternativeNames == nil)
        #expect(client.fingerprint != server.fingerprint)
    }

    @Test func refusesBadServerProfiles() throws {
        let ca = try CertificateAuthority.create(commonName: "CA", notAfter: .now + year)
        #expect(throws: AgentTrustError.self) {
            try ca.issue(.server(commonName: "h", addresses: ["kvm5.example"]), notAfter: .now + hour)
        }
        #expect(throws: AgentTrustError.self) {
            try ca.issue(.server(commonName: "h", addresses: []), notAfter: .now + hour)
        }
    }

    @Test func leafValidityIsCappedAtTheCAs() throws {
        let ca = try CertificateAuthority.create(commonName: "CA", notAfter: .now + hour)
        let leaf = try ca.issue(.client(commonName: "c"), notAfter: .now + year)
        #expect(try Certificate(pemEncoded: leaf.certificatePEM).notValidAfter <= ca.notAfter)
    }

    @Test func writesIssuedFilesWithModes() throws {
        let temporary = try TemporaryDirectory("agenttrust")
        defer { temporary.remove() }
        let ca = try CertificateAuthority.create(commonName: "CA", notAfter: .now + year)
        let leaf = try ca.issue(.client(commonName: "c"), notAfter: .now + hour)
        try leaf.write(certificateTo: temporary.path + "/c.crt", keyTo: temporary.path + "/c.key")
        #expect(try mode(of: temporary.path + "/c.key") == 0o600)
        #expect(try mode(of: temporary.path + "/c.crt") == 0o644)
        #expect(try String(contentsOfFile: temporary.path + "/c.key", encoding: .utf8) == leaf.privateKeyPEM)
        // Rewriting replaces both (atomically), it does not fail on existing files.
        let next = try ca.issue(.client(commonName: "c"), notAfter: .now + hour)
        try next.write(certificateTo: temporary.path + "/c.crt", keyTo: temporary.path + "/c.key")
        #expect(try String(contentsOfFile: temporary.path + "/c.crt", encoding: .utf8) == next.certificatePEM)
    }
}
