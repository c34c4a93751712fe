import AgentTrust
import HostSystem

/// Files of a data directory that every instance sharing a store must hold the same, grouped by what changes
/// together: each group is one row of the `secret` table, sealed as a whole, so an instance never takes half
/// of a change (a CA certificate without its key, a rotation's state without its new CA, a host's
/// certificate without its key). A file of a group the row lacks is one the change removed.
struct SecretGroup: Sendable, Equatable {
    /// The row's name: also the sealed value's authenticated name.
    let name: String
    /// Absolute paths in the data directory.
    let paths: [String]

    private static let hostCertificatePrefix = "ca-host/"

    /// The SSH key hosts trust after the password bootstrap.
    static func sshKey(in dataDirectory: String) -> SecretGroup {
        let key = dataDirectory + "/" + DeployerKey.fileName
        return SecretGroup(name: "ssh-key", paths: [key, key + ".pub"])
    }

    /// The API's bearer token: one token opens every instance's API.
    static func apiToken(in dataDirectory: String) -> SecretGroup {
        SecretGroup(name: "api-token", paths: [dataDirectory + "/" + APIToken.fileName])
    }

    /// The CA, the rotation's state and new CA, the bundle and the management client certificate: what
    /// `ca init` and each rotation step change, and what a run reads once when it starts.
    static func authority(in dataDirectory: String) -> SecretGroup {
        let trust = TrustDirectory(dataDirectory: dataDirectory)
        let authorityFiles = [CertificateAuthority.certificateFileName, CertificateAuthority.keyFileName]
        return SecretGroup(name: "ca", paths: authorityFiles.map { trust.path + "/" + $0 }
            + authorityFiles.map { trust.nextDirectory + "/" + $0 }
            + [trust.rotationPath, trust.bundlePath, trust.clientCertificatePath, trust.clientKeyPath])
    }

    /// One host's server certificate, reused by whichever instance deploys the host next.
    static func hostCertificate(_ uuid: String, in dataDirectory: String) -> SecretGroup {
        let trust = TrustDirectory(dataDirectory: dataDirectory)
        return SecretGroup(name: hostCertificatePrefix + uuid,
                           paths: [trust.hostCertificatePath(uuid), trust.hostKeyPath(uuid), trust.hostRecordPath(uuid)])
    }

    /// The group a row names, or nil for a name this release does not know: a newer release's secret,
    /// which this one has no use for.
    /// - Throws: `DeployerError` `.environment` for a host certificate whose uuid would name another directory.
    static func named(_ name: String, in dataDirectory: String) throws -> SecretGroup? {
        if name.hasPrefix(hostCertificatePrefix) {
            let uuid = String(name.dropFirst(hostCertificatePrefix.count))
            guard HostInput.isValidUuid(uuid) else {
                throw DeployerError(.environment, "the store holds a host certificate for \(uuid.debugDescription), not a host uuid")
            }
            return hostCertificate(uuid, in: dataDirectory)
        }
        return [sshKey(in: dataDirectory), apiToken(in: dataDirectory), authority(in: dataDirectory)].first { $0.name == name }
    }

    /// Every group this data directory has files of: what a starting instance offers the store.
    static func present(in dataDirectory: String) -> [SecretGroup] {
        let hosts = (try? Files.directoryEntries(TrustDirectory(dataDirectory: dataDirectory).hostsDirectory)) ?? []
        let groups = [sshKey(in: dataDirectory), apiToken(in: dataDirectory), authority(in: dataDirectory)]
            + hosts.filter(HostInput.isValidUuid).map { hostCertificate($0, in: dataDirectory) }
        return groups.filter { $0.paths.contains(where: Files.exists) }
    }
}
