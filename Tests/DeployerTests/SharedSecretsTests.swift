@testable import Deployer
import Foundation
import HostSystem
import TestSupport
import Testing

/// Two instances, each with its own data directory, on one SQLite store (each with its own connection, as
/// two processes): the secrets they share through it, real files and a real store.
@Suite struct SharedSecretsTests {
    @Test func instancesStartingAtOnceAgreeOnOneSSHKeyAndToken() async throws {
        try await SharedStoreScratch.with("start") { scratch in
            let (first, second) = try await scratch.twoInstances()
            async let firstKey = first.start()
            async let secondKey = second.start()
            let keys = try await [firstKey, secondKey]
            #expect(keys[0].publicKey == keys[1].publicKey)
            for name in ["id_ed25519", "id_ed25519.pub", APIToken.fileName] {
                #expect(try scratch.bytes(name, of: 0) == scratch.bytes(name, of: 1), "\(name)")
            }
            for index in 0...1 {
                for name in ["id_ed25519", APIToken.fileName] {
                    #expect(try Files.permissions(scratch.dataDirectory(index) + "/" + name) == 0o600, "\(index): \(name)")
                }
            }
            #expect(try APIToken.loadOrCreate(in: scratch.dataDirectory(0)).text
                == APIToken.loadOrCreate(in: scratch.dataDirectory(1)).text)
        }
    }

    @Test func anInstanceWithAnotherKeyFileIsRefusedAndChangesNothing() async throws {
        try await SharedStoreScratch.with("other-key") { scratch in
            let first = try await scratch.instance(0)
            _ = try await first.start()
            let stored = try await scratch.storedSecrets()

            let otherKey = scratch.dataDirectory(1) + "/secret.key"
            try Files.makeDirectories(scratch.dataDirectory(1), mode: 0o700)
            try Files.writeAtomically((0..<32).map { UInt8($0) }, to: otherKey, mode: 0o600)
            let error = try await #require(throws: DeployerError.self) { try await scratch.instance(1, keyPath: otherKey) }
            #expect(error.message.contains("another key (id \(first.box.keyIdentifierHex))"), "\(error.message)")
            #expect(error.message.contains("copy the key file of the instance that first used this store to \(otherKey)"),
                    "\(error.message)")
            #expect(try Files.directoryEntries(scratch.dataDirectory(1)) == ["secret.key"])
            #expect(try await scratch.storedSecrets() == stored)
        }
    }

    @Test func aTamperedSecretIsRefused() async throws {
        try await SharedStoreScratch.with("tampered") { scratch in
            let (first, second) = try await scratch.twoInstances()
            _ = try await first.start()
            var sealed = try #require(try await scratch.storedSecrets()["ssh-key"])
            sealed[sealed.count / 2] ^= 0x80
            _ = try await scratch.backend.transaction(SQLStatement("UPDATE secret SET sealed = ? WHERE name = 'ssh-key'", [.blob(sealed)]))
            let error = try await #require(throws: DeployerError.self) { try await second.pull() }
            #expect(error.message.contains("secret ssh-key in the store does not open"), "\(error.message)")
            #expect(!Files.exists(scratch.dataDirectory(1) + "/id_ed25519"))
        }
    }

    @Test func aCAAndEachRotationStepReachTheOtherInstanceAtItsNextPull() async throws {
        try await SharedStoreScratch.with("ca") { scratch in
            let (first, second) = try await scratch.twoInstances()
            _ = try await first.start()
            _ = try await second.start()
            let trust = DeployerTrust(dataDirectory: scratch.dataDirectory(0))
            let authority = SecretGroup.authority(in: scratch.dataDirectory(0))
            try await first.change([authority]) { try trust.initialize() }
            try await second.pull()
            try scratch.expectSameCA()
            #expect(try Files.permissions(scratch.dataDirectory(1) + "/ca/ca.key") == 0o600)

            let state = try await first.change([authority]) { try trust.beginRotation() }
            try await second.pull()
            try scratch.expectSameCA()
            #expect(Files.exists(scratch.dataDirectory(1) + "/ca/rotation.json"))
            #expect(Files.exists(scratch.dataDirectory(1) + "/ca/next/ca.key"))

            _ = try await first.change([authority]) { try trust.switchClient(state) }
            try await first.change([authority]) { try trust.finishRotation() }
            try await second.pull()
            try scratch.expectSameCA()
            #expect(!Files.exists(scratch.dataDirectory(1) + "/ca/rotation.json"), "the finished rotation's state is gone")
            #expect(!Files.exists(scratch.dataDirectory(1) + "/ca/next/ca.key"))
        }
    }

    @Test func aChangeFromAStaleCopyIsRefusedAndTheOthersIsTaken() async throws {
        try await SharedStoreScratch.with("stale") { scratch in
            let (first, second) = try await scratch.twoInstances()
            _ = try await first.start()
            _ = try await second.start()
            let firstTrust = DeployerTrust(dataDirectory: scratch.dataDirectory(0))
            let secondTrust = DeployerTrust(dataDirectory: scratch.dataDirectory(1))
            try await first.change([.authority(in: scratch.dataDirectory(0))]) { try firstTrust.initialize() }
            // The second instance has not pulled since: its own `ca init` makes another CA, which must not win.
            let error = try await #require(throws: DeployerError.self) {
                try await second.change([.authority(in: scratch.dataDirectory(1))]) { try secondTrust.initialize() }
            }
            #expect(error.kind == .busy)
            #expect(error.message.contains("another instance changed the shared ca"), "\(error.message)")
            try scratch.expectSameCA()
        }
    }
}

/// A SQLite store and the data directories of instances sharing it, removed afterwards.
struct SharedStoreScratch {
    let directory: String
    let backend: SQLiteBackend

    var storePath: String { directory + "/store.sqlite" }

    static func with(_ name: String, _ body: (SharedStoreScratch) async throws -> Void) async throws {
        try await TemporaryDirectory.with("shared-\(name)") { directory in
            let backend = try SQLiteBackend(path: directory + "/store.sqlite")
            try await StoreMigrator.migrate(backend)
            do {
                try await body(SharedStoreScratch(directory: directory, backend: backend))
            } catch {
                await backend.close()
                throw error
            }
            await backend.close()
        }
    }

    func dataDirectory(_ index: Int) -> String { directory + "/data\(index)" }

    /// Instance `index` on its own connection to the store, with the key file at `keyPath` (default: the
    /// first instance's, copied as an operator would).
    func instance(_ index: Int, keyPath: String? = nil) async throws -> SharedSecrets {
        try await SharedSecrets.open(backend: try SQLiteBackend(path: storePath), dataDirectory: dataDirectory(index),
                                     keyPath: keyPath ?? directory + "/secret.key")
    }

    func twoInstances() async throws -> (SharedSecrets, SharedSecrets) {
        (try await instance(0), try await instance(1))
    }

    func bytes(_ relative: String, of index: Int) throws -> [UInt8] {
        try Files.read(dataDirectory(index) + "/" + relative)
    }

    func storedSecrets() async throws -> [String: [UInt8]] {
        let rows = try await backend.read(SQLStatement("SELECT name, sealed FROM secret"))
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.text("name"), try $0.blob("sealed")) })
    }

    func expectSameCA(sourceLocation: SourceLocation = #_sourceLocation) throws {
        for path in SecretGroup.authority(in: dataDirectory(0)).paths {
            let relative = String(path.dropFirst(dataDirectory(0).count + 1))
            let other = dataDirectory(1) + "/" + relative
            #expect(Files.exists(path) == Files.exists(other), "\(relative)", sourceLocation: sourceLocation)
            if Files.exists(path) {
                #expect(try Files.read(path) == Files.read(other), "\(relative)", sourceLocation: sourceLocation)
            }
        }
    }
}

/// Host passwords in the store: sealed under their host, never in the clear in the file.
@Suite struct HostPasswordColumnTests {
    static func insertHost(_ uuid: String, password: SQLValue, into backend: any SQLBackend) async throws {
        _ = try await backend.transaction(SQLStatement(
            "INSERT INTO host (uuid, name, address, sshPort, user, kind, agentPort, password, become, hostKeyFingerprint, "
                + "hostKey, variables, addedAt) VALUES (?, ?, ?, 22, 'root', 'kvm', 7070, ?, ?, 'SHA256:x', 'ssh-ed25519 AAAA', '{}', ?)",
            [.text(uuid), .text(uuid), .text("10.0.0.\(uuid.count)"), password, .boolean(false), .date(Date())]))
    }

    @Test func aSealedPasswordOpensOnlyOnItsHostAndTheFileHoldsNoPlaintext() async throws {
        try await SharedStoreScratch.with("passwords") { scratch in
            let secrets = try await scratch.instance(0)
            let password = "correct horse battery staple"
            try await Self.insertHost("h1", password: HostPasswordColumn.value(password, hostUuid: "h1", box: secrets.box),
                                      into: scratch.backend)
            let row = try #require(try await scratch.backend.read(SQLStatement("SELECT password FROM host WHERE uuid = 'h1'")).first)
            #expect(try HostPasswordColumn.password(in: row, hostUuid: "h1", box: secrets.box) == password)
            #expect(throws: DeployerError.self) { try HostPasswordColumn.password(in: row, hostUuid: "h2", box: secrets.box) }
            #expect(try HostPasswordColumn.value(nil, hostUuid: "h1", box: secrets.box) == .null)

            await scratch.backend.close()
            for file in [scratch.storePath, scratch.storePath + "-wal"] where Files.exists(file) {
                #expect(Data(try Files.read(file)).range(of: Data(password.utf8)) == nil, "\(file)")
            }
        }
    }

    @Test func plaintextFromAnOlderReleaseIsSealedOnce() async throws {
        try await SharedStoreScratch.with("legacy") { scratch in
            let secrets = try await scratch.instance(0)
            try await Self.insertHost("old", password: .text("SEALED:looks-sealed"), into: scratch.backend)
            try await Self.insertHost("none", password: .null, into: scratch.backend)
            try await HostPasswordColumn.sealPlaintext(in: scratch.backend, box: secrets.box)
            try await HostPasswordColumn.sealPlaintext(in: scratch.backend, box: secrets.box)
            let rows = try await scratch.backend.read(SQLStatement("SELECT uuid, password FROM host ORDER BY uuid"))
            #expect(try rows.map { try $0.text("uuid") } == ["none", "old"])
            #expect(try HostPasswordColumn.password(in: rows[0], hostUuid: "none", box: secrets.box) == nil)
            let stored = try rows[1].text("password")
            #expect(stored.hasPrefix("sealed:") && !stored.contains("looks-sealed"))
            #expect(try HostPasswordColumn.password(in: rows[1], hostUuid: "old", box: secrets.box) == "SEALED:looks-sealed")
        }
    }
}

extension HostPasswordColumnTests {
    @Test func aStoreHoldingOnlySealedPasswordsGetsNoNewKey() async throws {
        try await SharedStoreScratch.with("passwords-only") { scratch in
            let first = try await scratch.instance(0)
            try await Self.insertHost("h1", password: HostPasswordColumn.value("pw", hostUuid: "h1", box: first.box),
                                      into: scratch.backend)
            let error = try await #require(throws: DeployerError.self) {
                try await scratch.instance(1, keyPath: scratch.dataDirectory(1) + "/secret.key")
            }
            #expect(error.message.contains("key id \(first.box.keyIdentifierHex)"), "\(error.message)")
            #expect(!Files.exists(scratch.dataDirectory(1) + "/secret.key"))
        }
    }
}
