import Crypto
import Foundation
import HostSystem

/// Seals the secrets the deployer's instances share through their store (SSH key, CA, API token, host
/// passwords): AES-256-GCM with a 32-byte key from a key file each instance holds, never in the store. Whoever
/// reads the store (a PostgreSQL dump, a copied SQLite file) gets nothing without the key file.
///
/// A sealed value is `version (1) | key id (8) | nonce (12) | ciphertext | tag (16)`. The key id, the first
/// 8 bytes of the key's SHA-256, tells "sealed with another key" (an instance given the wrong key file: say
/// which to copy) from "altered" (the tag does not verify). The authenticated data is the header and the
/// secret's name, so a value copied under another name (one host's password onto another host) does not open.
public struct SecretBox: Sendable {
    public static let keySize = 32
    static let keyIdentifierSize = 8
    private static let version: UInt8 = 1
    private static let headerSize = 1 + keyIdentifierSize
    /// AES-GCM's nonce and tag.
    private static let sealingOverhead = 12 + 16

    /// The key file, for messages.
    public let keyPath: String
    /// The key's bytes: swift-crypto's `SymmetricKey` is not `Sendable`, so one is made for each operation.
    private let keyBytes: [UInt8]
    let keyIdentifier: [UInt8]

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    init(key bytes: [UInt8], keyPath: String) {
        self.keyPath = keyPath
        keyBytes = bytes
        keyIdentifier = Array(SHA256.hash(data: bytes).prefix(Self.keyIdentifierSize))
    }

    /// The key id as operators compare it between machines.
    public var keyIdentifierHex: String { Self.hex(keyIdentifier) }

    /// Seals `plaintext` as the secret called `name`.
    public func seal(_ plaintext: [UInt8], name: String) throws -> [UInt8] {
        let header = [Self.version] + keyIdentifier
        do {
            let box = try AES.GCM.seal(plaintext, using: key, authenticating: header + Array(name.utf8))
            guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
            return header + Array(combined)
        } catch {
            throw DeployerError(.environment, "cannot seal the secret \(name): \(error)")
        }
    }

    /// Opens the secret called `name`.
    /// - Throws: `DeployerError` `.environment` saying whether the value was sealed with another key file
    ///   (and which key id), or is not a sealed value or was altered.
    public func open(_ sealed: [UInt8], name: String) throws -> [UInt8] {
        guard sealed.count >= Self.headerSize + Self.sealingOverhead, sealed[0] == Self.version else {
            throw DeployerError(.environment, "the secret \(name) in the store is not a value this release sealed: it is corrupt")
        }
        let identifier = Array(sealed[1..<Self.headerSize])
        guard identifier == keyIdentifier else { throw anotherKey(identifier) }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed[Self.headerSize...])
            return Array(try AES.GCM.open(box, using: key, authenticating: sealed[..<Self.headerSize] + Array(name.utf8)))
        } catch {
            throw DeployerError(.environment, "the secret \(name) in the store does not open with the key file \(keyPath) "
                + "although it names its key (id \(keyIdentifierHex)): it was altered or is corrupt")
        }
    }

    /// The key id a sealed value names, if it is one: what the store's secrets were sealed with.
    static func keyIdentifier(of sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= headerSize, sealed[0] == version else { return nil }
        return Array(sealed[1..<headerSize])
    }

    func anotherKey(_ identifier: [UInt8]) -> DeployerError {
        DeployerError(.environment, "the store's secrets were sealed with another key (id \(Self.hex(identifier))) than "
            + "the key file \(keyPath) (id \(keyIdentifierHex)): every instance sharing a store needs the same key file; "
            + "copy the key file of the instance that first used this store to \(keyPath) (mode 0600)")
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
