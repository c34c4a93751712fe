import HostSystem
import AgentTrust
import Foundation

/// Each host's server certificate, kept in `<data-dir>/ca/hosts/<uuid>/` and reused while it is good: a
/// new certificate on every deployment would restart every agent on every upgrade (the playbook restarts
/// an agent whose certificate changed).
struct HostCertificates: Sendable {
    let directory: TrustDirectory

    /// What a stored certificate was issued for; it is reused only for the same address and CA.
    private struct Record: Codable {
        var address: String
        var issuerFingerprint: String
        var notAfter: Date
    }

    /// The host's certificate: the stored one if it is for this address, from `issuer` and valid for
    /// `TrustValidity.renewBefore` more; else a new one (SAN: the host's address, CN: its uuid), stored.
    func certificate(for host: HostRecord, issuer: CertificateAuthority, reissue: Bool, now: Date = Date()) throws -> IssuedCertificate {
        let folder = directory.hostDirectory(host.uuid)
        if !reissue, let stored = stored(host.uuid), stored.record.address == host.address,
           stored.record.issuerFingerprint == issuer.fingerprint, stored.record.notAfter > now + TrustValidity.renewBefore {
            return stored.certificate
        }
        let issued = try DeployerTrust.wrap {
            try issuer.issue(Self.profile(for: host), notBefore: now - TrustValidity.clockSkew, notAfter: now + TrustValidity.server)
        }
        let record = Record(address: host.address, issuerFingerprint: issuer.fingerprint,
                            notAfter: min(now + TrustValidity.server, issuer.notAfter))
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try DeployerTrust.wrap {
                try issued.write(certificateTo: directory.hostCertificatePath(host.uuid), keyTo: directory.hostKeyPath(host.uuid))
            }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            try Files.writeAtomically(Array(try encoder.encode(record)), to: directory.hostRecordPath(host.uuid))
        } catch let error as DeployerError {
            throw error
        } catch {
            throw DeployerError(.environment, "cannot store the certificate of \(host.label) in \(folder): \(error.localizedDescription)")
        }
        return issued
    }

    private func stored(_ uuid: String) -> (record: Record, certificate: IssuedCertificate)? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: directory.hostRecordPath(uuid)),
              let record = try? decoder.decode(Record.self, from: data),
              let certificate = try? String(contentsOfFile: directory.hostCertificatePath(uuid), encoding: .utf8),
              let key = try? String(contentsOfFile: directory.hostKeyPath(uuid), encoding: .utf8),
              let fingerprint = (try? TrustStore(pemBundle: certificate))?.summaries.first?.fingerprint
        else { return nil }
        return (record, IssuedCertificate(certificatePEM: certificate, privateKeyPEM: key, fingerprint: fingerprint))
    }

    /// An IP address goes into an IP SAN (what clients check when they connect by address), anything
    /// else is a DNS name.
    static func profile(for host: HostRecord) -> CertificateProfile {
        isIPAddress(host.address)
            ? .server(commonName: host.uuid, addresses: [host.address])
            : .server(commonName: host.uuid, addresses: [], dnsNames: [host.address])
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
