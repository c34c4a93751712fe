import Foundation
import HostSystem

/// The bearer token every API request must carry: 32 random bytes as hex, kept in `<data-dir>/api-token`
/// (mode 0600), made the first time it is needed and reused afterwards. Whoever can read that file (the
/// deployer's user, root) may use the API; other local users and web pages cannot.
public struct APIToken: Sendable {
    public static let fileName = "api-token"

    /// Where the token is; operators find it with `zstack-deploy api-token`.
    public let path: String
    private let bytes: [UInt8]

    /// The token's text, for clients in the same process (tests) and `api-token --value`.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Reads the token in `dataDirectory`, creating it first if there is none.
    /// - Throws: `DeployerError` `.environment` when the file cannot be made or read, or when it is not
    ///   private to its owner (a token others could have read is not one to keep using).
    public static func loadOrCreate(in dataDirectory: String) throws -> APIToken {
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        if !Files.exists(path) {
            do {
                try Files.makeDirectories(dataDirectory, mode: 0o700)
                var generator = SystemRandomNumberGenerator()
                let random = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                let hex = random.map { String(format: "%02x", $0) }.joined()
                try Files.writeAtomically(Array((hex + "\n").utf8), to: path, mode: 0o600)
            } catch {
                throw DeployerError(.environment, "cannot create the API token file \(path): \(error)")
            }
        }
        // Read back what is on disk: should two processes have made one at once, both use the survivor.
        return try readFile(path)
    }

    private static func readFile(_ path: String) throws -> APIToken {
        // Not through a symbolic link, and only a file nobody else could have read.
        guard Files.kind(path) == .regular,
              let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attributes[.posixPermissions] as? Int, let owner = attributes[.ownerAccountID] as? Int
        else { throw DeployerError(.environment, "the API token file \(path) is not a readable regular file") }
        guard mode & 0o077 == 0, owner == Int(geteuid()) else {
            throw DeployerError(.environment, "the API token file \(path) is not private to this user (mode "
                + "\(String(mode & 0o777, radix: 8))); remove it and a new token is made")
        }
        let text = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 32, text.allSatisfy(\.isHexDigit) else {
            throw DeployerError(.environment, "the API token file \(path) does not hold a token; remove it and a new one is made")
        }
        return APIToken(path: path, bytes: Array(text.utf8))
    }

    /// Whether `presented` is the token, in time that does not depend on where the two first differ.
    func matches(_ presented: some StringProtocol) -> Bool {
        let candidate = Array(presented.utf8)
        guard candidate.count == bytes.count else { return false }
        var difference: UInt8 = 0
        for index in bytes.indices { difference |= bytes[index] ^ candidate[index] }
        return difference == 0
    }
}
