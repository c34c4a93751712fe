import AgentTrust
import Foundation

/// The deployer's certificate authority and the files it keeps in `<data-dir>/ca/` (see ``TrustDirectory``).
/// Keys are written with mode 0600 from their creation on and never printed or logged.
public struct DeployerTrust: Sendable {
    let directory: TrustDirectory

    public init(dataDirectory: String) {
        directory = TrustDirectory(dataDirectory: dataDirectory)
    }

    /// Whether `ca init` has run.
    public var exists: Bool {
        FileManager.default.fileExists(atPath: directory.path + "/" + CertificateAuthority.certificateFileName)
    }

    public var bundlePath: String { directory.bundlePath }
    public var clientCertificatePath: String { directory.clientCertificatePath }
    public var clientKeyPath: String { directory.clientKeyPath }

    /// Creates the CA, the bundle that holds it and the management client certificate. Refuses to replace
    /// an existing CA: every deployed agent trusts it, and `ca rotate` is the way to change it.
    public func initialize(now: Date = Date()) throws {
        guard !exists else {
            throw DeployerError(.invalidInput, "a CA already exists in \(directory.path); `zstack-deploy ca rotate` replaces it")
        }
        let authority = try Self.newAuthority(now: now)
        try wrap { try authority.save(to: directory.path) }
        try writeBundle([authority.certificatePEM])
        try issueClient(from: authority, now: now)
    }

    /// The CA that issues certificates now: the new one while a rotation is in progress.
    func issuingAuthority() throws -> CertificateAuthority {
        try wrap { try CertificateAuthority.load(from: rotation() == nil ? directory.path : directory.nextDirectory) }
    }

    func currentAuthority() throws -> CertificateAuthority {
        try wrap { try CertificateAuthority.load(from: directory.path) }
    }

    func bundle() throws -> String {
        do {
            return try String(contentsOfFile: directory.bundlePath, encoding: .utf8)
        } catch {
            throw DeployerError(.environment, "cannot read the CA bundle \(directory.bundlePath): \(error.localizedDescription)")
        }
    }

    func writeBundle(_ certificates: [String]) throws {
        // Certificates only: nothing secret, but replaced atomically so an agent deployment never copies half a bundle.
        do {
            try certificates.joined().write(toFile: directory.bundlePath, atomically: true, encoding: .utf8)
        } catch {
            throw DeployerError(.environment, "cannot write the CA bundle \(directory.bundlePath): \(error.localizedDescription)")
        }
    }

    /// Replaces the management client certificate with one from `authority` (key first: see `IssuedCertificate.write`).
    func issueClient(from authority: CertificateAuthority, now: Date) throws {
        try wrap {
            let client = try authority.issue(.client(commonName: "zstack-deploy management client"),
                                             notBefore: now - TrustValidity.clockSkew, notAfter: authority.notAfter)
            try client.write(certificateTo: directory.clientCertificatePath, keyTo: directory.clientKeyPath)
        }
    }

    /// For `ca show`; the rotation's host counts are the deployer's to fill in.
    func summary() throws -> TrustSummary {
        guard exists else {
            throw DeployerError(.notFound, "no CA in \(directory.path): run `zstack-deploy ca init`")
        }
        let authority = try issuingAuthority()
        let trusted = try wrap { try TrustStore(pemBundle: bundle()).summaries }
        let client = try wrap { try TrustStore.load(path: directory.clientCertificatePath).summaries[0] }
        var progress: RotationProgress?
        if let rotation = try rotation() {
            let previous = try wrap { try TrustStore(pemBundle: rotation.previousCertificatePEM).summaries[0] }
            progress = RotationProgress(phase: rotation.phase, previousAuthority: previous, startedAt: rotation.startedAt,
                                        hostsDone: 0, hosts: 0)
        }
        return TrustSummary(
            authority: try wrap { try TrustStore(pemBundle: authority.certificatePEM).summaries[0] },
            bundle: trusted, client: client, bundlePath: directory.bundlePath,
            clientCertificatePath: directory.clientCertificatePath, clientKeyPath: directory.clientKeyPath,
            rotation: progress)
    }

    static func newAuthority(now: Date) throws -> CertificateAuthority {
        // The creation time in the name tells two generations apart (old and new during a rotation) in
        // `ca show`, in agents' refusals ("issued by CN=...") and in openssl output.
        let stamp = ISO8601DateFormatter().string(from: now)
        return try wrap {
            try CertificateAuthority.create(commonName: "zstack-deploy CA \(stamp)", notBefore: now - TrustValidity.clockSkew,
                                            notAfter: now + TrustValidity.authority)
        }
    }

    /// AgentTrust's errors are the environment's problem from the deployer's point of view (a file
    /// missing, corrupt or unwritable): one error type per module.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AgentTrustError {
            throw DeployerError(.environment, error.message)
        }
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        try Self.wrap(body)
    }
}
