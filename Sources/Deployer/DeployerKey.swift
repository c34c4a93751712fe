import Foundation
import HostSystem

/// The deployer's own SSH key pair (Ed25519: short, fast, accepted by every OpenSSH since 6.5), made once with
/// ssh-keygen and installed on hosts by the password bootstrap.
public struct DeployerKey: Sendable {
    static let fileName = "id_ed25519"

    public let privateKeyPath: String
    public let publicKey: String

    /// Loads the key under `directory`, generating it the first time.
    public static func load(in directory: String, runner: ProcessRunner = ProcessRunner()) async throws -> DeployerKey {
        let path = (directory as NSString).appendingPathComponent(fileName)
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            do {
                try await runner.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "zstack-deploy", "-f", path])
            } catch {
                throw DeployerError(.environment, "cannot create the deployer's SSH key: \(error)")
            }
        }
        let publicKey = try String(contentsOfFile: path + ".pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return DeployerKey(privateKeyPath: path, publicKey: publicKey)
    }

    /// The private key's text, for the SSH module (which loads keys from memory).
    func privateKeyText() throws -> String {
        try String(contentsOfFile: privateKeyPath, encoding: .utf8)
    }
}
