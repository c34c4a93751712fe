@testable import Deployer
import Foundation
import HostSystem
import TestSupport
import Testing

/// The sealing of shared secrets with a key file: the file's rules (made once, 0600, 32 bytes, never
/// replaced, never made beside a store sealed with another key) and what opens and what does not.
@Suite struct SecretBoxTests {
    @Test func keyFileIsMadePrivateOnceAndReused() async throws {
        try await TemporaryDirectory.with("secretbox") { directory in
            let path = directory + "/data/secret.key"
            let first = try SecretBox.loadKeyFile(path, storeKeyIdentifier: nil, storeLocation: "test")
            #expect(try Files.permissions(path) == 0o600)
            #expect(try Files.permissions(directory + "/data") == 0o700)
            #expect(try Files.read(path).count == SecretBox.keySize)
            let again = try SecretBox.loadKeyFile(path, storeKeyIdentifier: first.keyIdentifier, storeLocation: "test")
            #expect(again.keyIdentifierHex == first.keyIdentifierHex)
            #expect(first.keyIdentifierHex.count == 16)
            let sealed = try first.seal(Array("secret".utf8), name: "n")
            #expect(try again.open(sealed, name: "n") == Array("secret".utf8), "the reused file is the same key")
        }
    }

    @Test func sealedValuesHideThePlaintextAndOpenOnlyUnderTheirName() async throws {
        try await TemporaryDirectory.with("secretbox") { directory in
            let box = try SecretBox.loadKeyFile(directory + "/k", storeKeyIdentifier: nil, storeLocation: "test")
            let plaintext = Array("hunter2-hunter2".utf8)
            let sealed = try box.seal(plaintext, name: "host/a/password")
            #expect(Data(sealed).range(of: Data(plaintext)) == nil)
            #expect(try box.seal(plaintext, name: "host/a/password") != sealed, "a fresh nonce each time")
            #expect(try box.open(sealed, name: "host/a/password") == plaintext)
            let moved = try #require(throws: DeployerError.self) { try box.open(sealed, name: "host/b/password") }
            #expect(moved.message.contains("altered or is corrupt"), "\(moved.message)")
        }
    }

    @Test func anAlteredOrTruncatedValueIsRefusedAsCorrupt() async throws {
        try await TemporaryDirectory.with("secretbox") { directory in
            let box = try SecretBox.loadKeyFile(directory + "/k", storeKeyIdentifier: nil, storeLocation: "test")
            var sealed = try box.seal(Array("the CA key".utf8), name: "ca")
            sealed[sealed.count - 20] ^= 0x01
            let altered = try #require(throws: DeployerError.self) { try box.open(sealed, name: "ca") }
            #expect(altered.message.contains("altered or is corrupt"), "\(altered.message)")
            let truncated = try #require(throws: DeployerError.self) { try box.open(Array(sealed.prefix(20)), name: "ca") }
            #expect(truncated.message.contains("corrupt"), "\(truncated.message)")
        }
    }

    @Test func aValueSealedWithAnotherKeyNamesTheKeyFileToCopy() async throws {
        try await TemporaryDirectory.with("secretbox") { directory in
            let first = try SecretBox.loadKeyFile(directory + "/first.key", storeKeyIdentifier: nil, storeLocation: "test")
            let second = try SecretBox.loadKeyFile(directory + "/second.key", storeKeyIdentifier: nil, storeLocation: "test")
            let error = try #require(throws: DeployerError.self) {
                try second.open(try first.seal(Array("x".utf8), name: "ssh-key"), name: "ssh-key")
            }
            #expect(error.message.contains("another key (id \(first.keyIdentifierHex))"), "\(error.message)")
            #expect(error.message.contains("copy the key file"), "\(error.message)")
            #expect(error.message.contains(directory + "/second.key"), "\(error.message)")

            let refused = try #require(throws: DeployerError.self) {
                try SecretBox.loadKeyFile(directory + "/second.key", storeKeyIdentifier: first.keyIdentifier, storeLocation: "test")
            }
            #expect(refused.message.contains("another key"), "\(refused.message)")
        }
    }

    @Test func noKeyIsMadeBesideAStoreHoldingSecrets() async throws {
        try await TemporaryDirectory.with("secretbox") { directory in
            let error = try #require(throws: DeployerError.self) {
                try SecretBox.loadKeyFile(directory + "/secret.key", storeKeyIdentifier: [1, 2, 3, 4, 5, 6, 7, 8],
                                          storeLocation: "/var/lib/store.sqlite")
            }
            #expect(error.message.contains("there is no key file \(directory)/secret.key"), "\(error.message)")
            #expect(error.message.contains("key id 0102030405060708"), "\(error.message)")
            #expect(!Files.exists(directory + "/secret.key"))
        }
    }

    @Test func aKeyFileOthersMayReadOrOfTheWrongSizeIsRefused() async throws {
        try await TemporaryDirectory.with("secretbox") { directory in
            let path = directory + "/secret.key"
            _ = try SecretBox.loadKeyFile(path, storeKeyIdentifier: nil, storeLocation: "test")
            try Files.setMode(path, 0o640)
            let wide = try #require(throws: DeployerError.self) {
                try SecretBox.loadKeyFile(path, storeKeyIdentifier: nil, storeLocation: "test")
            }
            #expect(wide.message.contains("mode 640, wider than 0600"), "\(wide.message)")
            #expect(try Files.permissions(path) == 0o640, "refused, not repaired")

            try Files.writeAtomically(Array("short\n".utf8), to: path, mode: 0o600)
            let short = try #require(throws: DeployerError.self) {
                try SecretBox.loadKeyFile(path, storeKeyIdentifier: nil, storeLocation: "test")
            }
            #expect(short.message.contains("holds 6 bytes, not the 32"), "\(short.message)")
            #expect(try Files.readText(path) == "short\n", "never replaced")
        }
    }

    @Test func sealedTextCarriesItsPrefixAndRefusesPlaintext() async throws {
        try await TemporaryDirectory.with("secretbox") { directory in
            let box = try SecretBox.loadKeyFile(directory + "/k", storeKeyIdentifier: nil, storeLocation: "test")
            let name = SecretBox.hostPasswordName("h1")
            let sealed = try box.sealText("p@ss word", name: name)
            #expect(sealed.hasPrefix("sealed:") && !sealed.contains("p@ss"))
            #expect(try box.openText(sealed, name: name) == "p@ss word")
            #expect(throws: DeployerError.self) { try box.openText("p@ss word", name: name) }
            #expect(throws: DeployerError.self) { try box.openText(sealed, name: SecretBox.hostPasswordName("h2")) }
        }
    }
}
