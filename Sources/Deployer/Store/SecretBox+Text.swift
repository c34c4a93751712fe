import Foundation

/// Sealed values in text columns (`host.password`): `sealed:` then the sealed bytes in base64. The prefix
/// tells a sealed value from the plaintext an older release stored, which is sealed when the store is
/// opened (``Inventory``) rather than read as a password or refused.
extension SecretBox {
    static let textPrefix = "sealed:"

    /// The secret name of a host's stored password: bound to the host, so that a sealed password copied
    /// onto another host's row does not open there.
    public static func hostPasswordName(_ hostUuid: String) -> String {
        "host/\(hostUuid)/password"
    }

    public func sealText(_ text: String, name: String) throws -> String {
        Self.textPrefix + Data(try seal(Array(text.utf8), name: name)).base64EncodedString()
    }

    /// - Throws: `DeployerError` `.environment` for a value that is not sealed text, does not open (see
    ///   ``open(_:name:)``) or is not UTF-8.
    public func openText(_ stored: String, name: String) throws -> String {
        guard let sealed = Self.sealedBytes(ofText: stored) else {
            throw DeployerError(.environment, "the secret \(name) in the store is not sealed text: it is corrupt")
        }
        guard let text = String(validating: try open(sealed, name: name), as: UTF8.self) else {
            throw DeployerError(.environment, "the secret \(name) in the store is not text: it is corrupt")
        }
        return text
    }

    static func sealedBytes(ofText stored: String) -> [UInt8]? {
        guard stored.hasPrefix(textPrefix), let bytes = Data(base64Encoded: String(stored.dropFirst(textPrefix.count))) else {
            return nil
        }
        return Array(bytes)
    }
}
