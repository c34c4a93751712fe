import AgentTrust
@testable import Deployer
import Foundation
import HostSystem
import TestSupport
import Testing

/// Issue 19: two deployers, each with its own data directory, on one store share its secrets through it,
/// sealed with the key file each holds: the SSH key, the API token, the CA and each rotation step, the host
/// certificates and the host passwords. Real files, a real store (a SQLite file both open, or PostgreSQL).
@Suite struct SharedSecretsTests {
    @Test func instancesStartingAtOnceAgreeOnOneSSHKeyAndToken() async throws {
        try await Instances.with("start") { instances in
            let key = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
            for index in 0...1 {
                try Files.makeDirectories(instances.dataDirectory(index), mode: 0o700)
                try Files.writeAtomically(key, to: instances.keyPath(index), mode: 0o600)
            }
            async let first = instances.deployer(0)
            async let second = instances.deployer(1)
            let deployers = try await [first, second]
            #expect(deployers[0].publicKey == deployers[1].publicKey)
            #expect(try deployers[0].apiToken().text == deployers[1].apiToken().text)
            for name in ["id_ed25519", "id_ed25519.pub"] {
                #expect(try instances.bytes(name, of: 0) == instances.bytes(name, of: 1), "\(name)")
            }
            for index in 0...1 {
                for name in ["id_ed25519", APIToken.fileName, "secret.key"] {
                    #expect(try Files.permissions(instances.dataDirectory(index) + "/" + name) == 0o600, "\(index): \(name)")
                }
            }
            for deployer in deployers { await deployer.inventory.close() }
        }
    }

    @Test func aLaterInstanceTakesTheFirstOnesKeyAndCA() async throws {
        try await Instances.with("later") { instances in
            let first = try await instances.deployer(0)
            #expect(try Files.permissions(instances.keyPath(0)) == 0o600, "made by the first instance, private")
            try await first.initializeCA()
            try instances.copyKeyFile(from: 0, to: 1)
            let second = try await instances.deployer(1)
            #expect(second.publicKey == first.publicKey)
            try instances.expectSameFiles(of: SecretGroup.authority(in: instances.dataDirectory(0)))
            #expect(try await second.trustSummary().authority.fingerprint == first.trustSummary().authority.fingerprint)
            let again = try await #require(throws: DeployerError.self) { try await second.initializeCA() }
            #expect(again.message.contains("a CA already exists"), "\(again.message)")
            await first.inventory.close()
            await second.inventory.close()
        }
    }

    @Test func anInstanceWithAnotherKeyFileIsRefusedAndChangesNothing() async throws {
        try await Instances.with("other-key") { instances in
            let first = try await instances.deployer(0)
            try await first.initializeCA()
            let stored = try await instances.storedSecrets(first)

            try Files.makeDirectories(instances.dataDirectory(1), mode: 0o700)
            try Files.writeAtomically((0..<32).map { UInt8($0) }, to: instances.keyPath(1), mode: 0o600)
            let error = try await #require(throws: DeployerError.self) { try await instances.deployer(1) }
            #expect(error.message.contains("another key (id \(first.secrets.box.keyIdentifierHex))"), "\(error.message)")
            #expect(error.message.contains("copy the key file of the instance that first used this store to \(instances.keyPath(1))"),
                    "\(error.message)")
            #expect(try Files.directoryEntries(instances.dataDirectory(1)) == ["secret.key"])
            #expect(try await instances.storedSecrets(first) == stored)

            // Without any key file, none is made beside a store that holds secrets.
            _ = try Files.removeFile(instances.keyPath(1))
            let missing = try await #require(throws: DeployerError.self) { try await instances.deployer(1) }
            #expect(missing.message.contains("there is no key file \(instances.keyPath(1))"), "\(missing.message)")
            #expect(try Files.directoryEntries(instances.dataDirectory(1)).isEmpty)
            await first.inventory.close()
        }
    }

    @Test func aTamperedSecretIsRefused() async throws {
        try await Instances.with("tampered") { instances in
            let first = try await instances.deployer(0)
            var sealed = try #require(try await instances.storedSecrets(first)["ssh-key"])
            sealed[sealed.count / 2] ^= 0x80
            _ = try await first.inventory.backend.transaction(
                SQLStatement("UPDATE secret SET sealed = ? WHERE name = 'ssh-key'", [.blob(sealed)]))
            try instances.copyKeyFile(from: 0, to: 1)
            let error = try await #require(throws: DeployerError.self) { try await instances.deployer(1) }
            #expect(error.message.contains("the secret ssh-key in the store does not open"), "\(error.message)")
            #expect(error.message.contains("altered or is corrupt"), "\(error.message)")
            #expect(!Files.exists(instances.dataDirectory(1) + "/id_ed25519"))
            await first.inventory.close()
        }
    }

    @Test func caInitOnOneInstanceReachesTheOtherAtItsNextRun() async throws {
        try await Instances.withTwo("ca-run") { instances, first, second in
            try await first.initializeCA()
            #expect(!second.trust.exists, "not before its next pull")
            // A run with nothing to deploy: it takes the store's secrets before anything else.
            _ = try await second.run(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "test")
            #expect(second.trust.exists)
            try instances.expectSameFiles(of: SecretGroup.authority(in: instances.dataDirectory(0)))
            #expect(try Files.permissions(instances.dataDirectory(1) + "/ca/ca.key") == 0o600)
        }
    }

    @Test func eachRotationStepReachesTheOtherInstance() async throws {
        try await Instances.withTwo("rotation") { instances, first, second in
            try await first.initializeCA()
            let trust = first.trust
            let state = try await first.secrets.change([first.caGroup]) { try trust.beginRotation() }
            try await second.secrets.pull()
            try instances.expectSameFiles(of: first.caGroup)
            #expect(Files.exists(instances.dataDirectory(1) + "/ca/rotation.json"))
            #expect(Files.exists(instances.dataDirectory(1) + "/ca/next/ca.key"))
            #expect(try second.trust.rotation()?.phase == .spreading)

            _ = try await first.secrets.change([first.caGroup]) { try trust.switchClient(state) }
            try await second.secrets.pull()
            #expect(try second.trust.rotation()?.phase == .dropping)
            try instances.expectSameFiles(of: first.caGroup)

            try await first.secrets.change([first.caGroup]) { try trust.finishRotation() }
            try await second.secrets.pull()
            try instances.expectSameFiles(of: first.caGroup)
            #expect(try second.trust.rotation() == nil, "the finished rotation's state is gone")
            #expect(!Files.exists(instances.dataDirectory(1) + "/ca/next/ca.key"))
        }
    }

    @Test func aChangeFromAStaleCopyIsRefusedAndTheOthersIsTaken() async throws {
        try await Instances.withTwo("stale") { instances, first, second in
            try await first.initializeCA()
            // The second instance has not pulled since: a CA it makes now must not replace the first one's.
            let trust = second.trust
            let error = try await #require(throws: DeployerError.self) {
                try await second.secrets.change([second.caGroup]) { try trust.initialize() }
            }
            #expect(error.kind == .busy)
            #expect(error.message.contains("another instance changed the shared ca"), "\(error.message)")
            try instances.expectSameFiles(of: first.caGroup)
        }
    }

    @Test func aHostCertificateIssuedByOneInstanceIsReusedByTheOther() async throws {
        try await Instances.withTwo("host-cert") { instances, first, second in
            try await first.initializeCA()
            let host = Instances.host("h1", address: "192.0.2.10")
            let firstTrust = first.trust, secondTrust = second.trust
            let issued = try await first.secrets.change([.hostCertificate(host.uuid, in: instances.dataDirectory(0))]) {
                try HostCertificates(directory: firstTrust.directory).certificate(for: host, issuer: firstTrust.issuingAuthority(),
                                                                                  reissue: false)
            }
            try await second.secrets.pull()
            let reused = try HostCertificates(directory: secondTrust.directory)
                .certificate(for: host, issuer: secondTrust.issuingAuthority(), reissue: false)
            #expect(reused.fingerprint == issued.fingerprint, "the other instance's certificate, not a new one")
            #expect(try Files.permissions(secondTrust.directory.hostKeyPath(host.uuid)) == 0o600)
        }
    }

    @Test func storedPasswordsAreSealedAndOpenOnEveryInstance() async throws {
        try await Instances.with("passwords") { instances in
            let first = try await instances.deployer(0)
            try instances.copyKeyFile(from: 0, to: 1)
            let second = try await instances.deployer(1)
            let password = "correct horse battery staple"
            var host = Instances.host("h1", address: "192.0.2.11")
            host.password = password
            try await first.inventory.insert(host)
            #expect(try await second.inventory.host("h1")?.password == password)

            let stored = try #require(try await first.inventory.backend.read(
                SQLStatement("SELECT password FROM host WHERE uuid = 'h1'")).first?.text("password"))
            #expect(stored.hasPrefix("sealed:") && !stored.contains("horse"))
            // Moved onto another host's row, it does not open.
            var other = Instances.host("h2", address: "192.0.2.12")
            other.password = "x"
            try await first.inventory.insert(other)
            _ = try await first.inventory.backend.transaction(
                SQLStatement("UPDATE host SET password = ? WHERE uuid = 'h2'", [.text(stored)]))
            await #expect(throws: DeployerError.self) { try await second.inventory.host("h2") }

            await first.inventory.close()
            await second.inventory.close()
            for file in [instances.location, instances.location + "-wal"] where Files.exists(file) {
                #expect(Data(try Files.read(file)).range(of: Data(password.utf8)) == nil, "\(file) holds the password")
            }
        }
    }

    @Test func plaintextPasswordsOfAnOlderReleaseAreSealedWhenTheStoreIsOpened() async throws {
        try await Instances.with("legacy") { instances in
            let old = try await Inventory(location: instances.location)
            _ = try await old.backend.transaction(Instances.host("h1", address: "192.0.2.13").insert)
            _ = try await old.backend.transaction(
                SQLStatement("UPDATE host SET password = 'SEALED:plain' WHERE uuid = 'h1'"))
            await old.close()
            let deployer = try await instances.deployer(0)
            let stored = try #require(try await deployer.inventory.backend.read(
                SQLStatement("SELECT password FROM host WHERE uuid = 'h1'")).first?.text("password"))
            #expect(stored.hasPrefix("sealed:") && !stored.contains("plain"))
            #expect(try await deployer.inventory.host("h1")?.password == "SEALED:plain")
            await deployer.inventory.close()
        }
    }
}

/// A store (the suite's engine) and the data directories of the instances sharing it, removed afterwards.
struct Instances {
    let directory: URL
    let location: String

    static func with(_ label: String, _ body: (Instances) async throws -> Void) async throws {
        let directory = try Repository.temporaryDirectory("dshare-\(label)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try await body(Instances(directory: directory,
                                 location: try await TestStore.location("dshare-\(label)", directory: directory)))
    }

    /// Two instances of one store, the second with the first one's key file; both closed afterwards.
    static func withTwo(_ label: String, _ body: (Instances, Deployer, Deployer) async throws -> Void) async throws {
        try await with(label) { instances in
            let first = try await instances.deployer(0)
            try instances.copyKeyFile(from: 0, to: 1)
            let second = try await instances.deployer(1)
            let failure: (any Error)?
            do {
                try await body(instances, first, second)
                failure = nil
            } catch {
                failure = error
            }
            await first.inventory.close()
            await second.inventory.close()
            if let failure { throw failure }
        }
    }

    func dataDirectory(_ index: Int) -> String { directory.path + "/data\(index)" }
    func keyPath(_ index: Int) -> String { dataDirectory(index) + "/secret.key" }

    /// Instance `index`, its key file in its data directory (the default).
    func deployer(_ index: Int) async throws -> Deployer {
        let empty = directory.appendingPathComponent("empty").path
        return try await Deployer(DeployerConfiguration(
            dataDirectory: dataDirectory(index), database: location,
            sources: ReleaseSources(packageDirectory: empty, playbookDirectory: empty, extensionsDirectory: empty)))
    }

    /// What an operator does for a second instance: the first one's key file, copied with its mode.
    func copyKeyFile(from source: Int, to target: Int) throws {
        try Files.makeDirectories(dataDirectory(target), mode: 0o700)
        try Files.writeAtomically(try Files.read(keyPath(source)), to: keyPath(target), mode: 0o600)
    }

    func bytes(_ relative: String, of index: Int) throws -> [UInt8] {
        try Files.read(dataDirectory(index) + "/" + relative)
    }

    func storedSecrets(_ deployer: Deployer) async throws -> [String: [UInt8]] {
        let rows = try await deployer.inventory.backend.read(SQLStatement("SELECT name, sealed FROM secret"))
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.text("name"), try $0.blob("sealed")) })
    }

    /// Instance 1 holds `group`'s files of instance 0, byte for byte, and none it lacks.
    func expectSameFiles(of group: SecretGroup, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for path in group.paths {
            let other = dataDirectory(1) + path.dropFirst(dataDirectory(0).count)
            #expect(Files.exists(path) == Files.exists(other), "\(path)", sourceLocation: sourceLocation)
            if Files.exists(path) {
                #expect(try Files.read(path) == Files.read(other), "\(other)", sourceLocation: sourceLocation)
            }
        }
    }

    static func host(_ uuid: String, address: String) -> HostRecord {
        HostRecord(uuid: uuid, name: address, address: address, sshPort: 22, user: "root", kind: .kvm, agentPort: 7070,
                   become: false, hostKeyFingerprint: "SHA256:test", hostKey: "ssh-ed25519 AAAA", variables: [:], addedAt: Date())
    }
}
