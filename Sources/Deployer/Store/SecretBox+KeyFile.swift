import Foundation
import HostSystem

extension SecretBox {
    /// The key file at `keyPath` for the store `backend`: made if the store holds no sealed secret yet,
    /// refused if the store's secrets were sealed with another key.
    static func forStore(_ backend: any SQLBackend, keyPath: String) async throws -> SecretBox {
        try loadKeyFile(keyPath, storeKeyIdentifier: try await SharedSecrets.storeKeyIdentifier(backend),
                        storeLocation: backend.location)
    }

    /// Opens the instance's key file (`DeployerConfiguration.secretKeyPath`), making it only when there is
    /// none and the store holds no sealed secret yet: a new key for a store whose secrets were sealed with
    /// another would lock this instance out of them, and it would then seal its own over them.
    ///
    /// The file is 32 random bytes, mode 0600, created atomically and never replaced: of two instances of
    /// one machine creating it at once, both end up with the one that got there first. Two instances on
    /// two machines starting at once on a new store each make their own; the second to share its secrets
    /// is refused (another key) and needs the first one's file copied.
    /// - Parameters:
    ///   - storeKeyIdentifier: the key id a secret in the store names, nil when the store holds none.
    ///   - storeLocation: where the store is, for messages.
    /// - Throws: `DeployerError` `.environment` when the file is missing while the store holds secrets, is
    ///   not 32 bytes, may be read by others than its owner, cannot be read or made, or is another key
    ///   than the store's secrets were sealed with.
    static func loadKeyFile(_ path: String, storeKeyIdentifier: [UInt8]?, storeLocation: String) throws -> SecretBox {
        if !Files.exists(path) {
            if let identifier = storeKeyIdentifier {
                throw DeployerError(.environment, "there is no key file \(path), but the store \(storeLocation) holds secrets "
                    + "sealed with key id \(hex(identifier)): copy the key file of the instance that first used this store "
                    + "to \(path) (mode 0600)")
            }
            try create(path)
        }
        let box = SecretBox(key: try read(path), keyPath: path)
        if let identifier = storeKeyIdentifier, identifier != box.keyIdentifier {
            throw box.anotherKey(identifier)
        }
        return box
    }

    private static func create(_ path: String) throws {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<keySize).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        do {
            try Files.makeDirectories(Files.parentDirectory(of: path), mode: 0o700)
            _ = try Files.createAtomically(key, at: path, mode: 0o600)
        } catch {
            throw DeployerError(.environment, "cannot create the key file \(path): \(error)")
        }
    }

    /// The key, from a file that only its owner may read (followed if it is a symbolic link: a secret
    /// mounted by an orchestrator often is).
    private static func read(_ path: String) throws -> [UInt8] {
        let mode: mode_t
        let key: [UInt8]
        do {
            mode = try Files.permissions(path)
            key = try Files.read(path)
        } catch {
            throw DeployerError(.environment, "cannot read the key file \(path): \(error)")
        }
        guard mode & ~0o600 == 0 else {
            throw DeployerError(.environment, "the key file \(path) has mode \(String(mode, radix: 8)), wider than 0600: "
                + "others may have read the key that opens the store's secrets; `chmod 600 \(path)` once you know they did not")
        }
        guard key.count == keySize else {
            throw DeployerError(.environment, "the key file \(path) holds \(key.count) bytes, not the \(keySize) random bytes "
                + "of a key: copy the key file of the instance that first used the store as it is, byte for byte")
        }
        return key
    }
}
