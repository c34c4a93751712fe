/// The deployer's CA directory, `<data-dir>/ca/` (0700):
///
///     ca.crt, ca.key          the CA (the old one until a rotation ends)
///     next/ca.crt, ca.key     the new CA while a rotation is in progress; it issues every certificate then
///     rotation.json           present while a rotation is in progress: its phase
///     ca-bundle.pem           the CAs agents trust for clients, and the deployer trusts for agents
///     client.crt, client.key  the management side's client certificate (the deployer's echo, the MN, zstack-agentctl)
///     hosts/<uuid>/           each host's current server certificate, reused until it needs renewing:
///                             agent.crt, agent.key, agent.json (what it was issued for)
struct TrustDirectory: Sendable {
    let path: String

    init(dataDirectory: String) {
        path = dataDirectory + "/ca"
    }

    var nextDirectory: String { path + "/next" }
    var rotationPath: String { path + "/rotation.json" }
    var bundlePath: String { path + "/ca-bundle.pem" }
    var clientCertificatePath: String { path + "/client.crt" }
    var clientKeyPath: String { path + "/client.key" }

    var hostsDirectory: String { path + "/hosts" }

    func hostDirectory(_ uuid: String) -> String { hostsDirectory + "/" + uuid }
    func hostCertificatePath(_ uuid: String) -> String { hostDirectory(uuid) + "/agent.crt" }
    func hostKeyPath(_ uuid: String) -> String { hostDirectory(uuid) + "/agent.key" }
    func hostRecordPath(_ uuid: String) -> String { hostDirectory(uuid) + "/agent.json" }
}
