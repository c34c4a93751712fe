import Foundation
import HostSystem
import Synchronization

/// The secrets of the data directory (``SecretGroup``) kept the same on every instance sharing a store: the
/// store's `secret` table holds each group sealed (``SecretBox``), and the files stay where the code that
/// uses them (ssh, ansible, TLS) reads them. The store is the truth; files are this instance's copy.
///
/// - ``pull()`` writes the store's secrets into the files (when the deployer starts, before each run).
/// - ``offer(_:)`` inserts the groups the store lacks, then pulls: of two instances starting at once, the
///   first to insert wins and the other takes its SSH key and token.
/// - ``change(_:_:)`` runs a change of the files (`ca init`, a rotation step, host certificates issued) and
///   shares it, only if the store still holds what this instance last read: a change made from a stale copy
///   (another instance changed the group meanwhile) is undone by pulling the other's, and refused.
///
/// Mid-rotation: the rotation's state, its new CA and the bundle are one group, replaced as one value at
/// each step, so every instance sees the old CA, a step, or the next step, never a bundle without the CA
/// that issues. A run reads the CA once when it starts (after its pull, ``AgentAuthPlan``), so a step taken
/// by another instance during the run affects its next run; the hosts it deployed with the previous bundle
/// are the ones `ca rotate` finds without the current bundle and redeploys. Two instances taking a step at
/// once cannot both succeed: the second is refused (``change(_:_:)``) and resumes from the first's state.
/// A crash while `pull` writes a group's files leaves a mix that the next pull (at start) completes.
final class SharedSecrets: Sendable {
    let dataDirectory: String
    let box: SecretBox
    let backend: any SQLBackend
    /// Pulls and changes one at a time: a pull in the middle of a change would put back the store's copy
    /// of files the change just wrote, and the change would then find nothing to share.
    private let serial = TaskChain()
    /// Each group's sealed value as this instance last read or wrote it: what a change is based on.
    private let seen = Mutex<[String: [UInt8]]>([:])

    init(dataDirectory: String, box: SecretBox, backend: any SQLBackend) {
        self.dataDirectory = dataDirectory
        self.box = box
        self.backend = backend
    }

    /// The key id the store's secrets were sealed with, nil when it holds none: a shared group's, else a
    /// host password's (a store whose `secret` rows were deleted still holds those).
    static func storeKeyIdentifier(_ backend: any SQLBackend) async throws -> [UInt8]? {
        guard let row = try await backend.read(SQLStatement("SELECT name, sealed FROM secret ORDER BY name LIMIT 1")).first else {
            return try await HostPasswordColumn.keyIdentifier(in: backend)
        }
        guard let identifier = SecretBox.keyIdentifier(of: try row.blob("sealed")) else {
            throw DeployerError(.environment, "the secret \(try row.text("name")) in the store is not a sealed value: it is corrupt")
        }
        return identifier
    }

    /// Writes every secret of the store into this instance's files (mode 0600, atomically, only where they
    /// differ) and removes the files of a group that the store's value no longer has.
    /// - Throws: `DeployerError` `.environment` when a secret does not open (another key, altered) or a
    ///   file cannot be written; the files of the groups before it are written.
    func pull() async throws {
        try await serial.run { try await self.pullNow() }
    }

    /// Inserts the groups this instance has files of and the store lacks, then pulls.
    func offer(_ groups: [SecretGroup]) async throws {
        try await serial.run {
            let statements = try groups.map { group in
                SQLStatement("INSERT INTO secret (name, sealed, updatedAt) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                             [.text(group.name), .blob(try self.sealFiles(of: group)), .date(Date())])
            }
            _ = try await self.backend.transaction(statements)
            try await self.pullNow()
        }
    }

    /// Runs `body`, which changes the files of `groups`, then shares the groups that differ from what this
    /// instance last read.
    /// - Throws: `body`'s error (nothing is shared), a store error, or `DeployerError` `.busy` when another
    ///   instance changed one of the groups since this one read it: this instance then holds the other's.
    func change<T: Sendable>(_ groups: [SecretGroup], _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await serial.run {
            let result = try body()
            try await self.share(groups)
            return result
        }
    }

    private func share(_ groups: [SecretGroup]) async throws {
        let base = seen.withLock { $0 }
        var changed: [(group: SecretGroup, sealed: [UInt8])] = []
        for group in groups {
            let files = try localFiles(of: group)
            if let previous = base[group.name] {
                if try openFiles(previous, of: group) == files { continue }
            } else if files.isEmpty {
                continue  // nothing here, nothing in the store: no row for a host that got no certificate
            }
            changed.append((group, try seal(files, as: group)))
        }
        guard !changed.isEmpty else { return }
        // Replace only the value this instance's copy came from; a group it never read is only inserted.
        let now = Date()
        let results = try await backend.transaction(changed.map { group, sealed in
            if let previous = base[group.name] {
                SQLStatement("UPDATE secret SET sealed = ?, updatedAt = ? WHERE name = ? AND sealed = ? RETURNING name",
                             [.blob(sealed), .date(now), .text(group.name), .blob(previous)])
            } else {
                SQLStatement("INSERT INTO secret (name, sealed, updatedAt) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING name",
                             [.text(group.name), .blob(sealed), .date(now)])
            }
        })
        let refused = zip(changed, results).filter { $0.1.isEmpty }.map { $0.0.group.name }
        seen.withLock { seen in
            for (group, sealed) in changed where !refused.contains(group.name) { seen[group.name] = sealed }
        }
        guard refused.isEmpty else {
            try await pullNow()
            throw DeployerError(.busy, "another instance changed the shared \(refused.joined(separator: ", ")) since this one "
                + "read it: this instance's change is undone and it holds the other's now; run the command again")
        }
    }

    private func pullNow() async throws {
        let rows = try await backend.read(SQLStatement("SELECT name, sealed FROM secret"))
        var values: [String: [UInt8]] = [:]
        for row in rows {
            let name = try row.text("name")
            guard let group = try SecretGroup.named(name, in: dataDirectory) else { continue }
            let sealed = try row.blob("sealed")
            try write(try openFiles(sealed, of: group), of: group)
            values[name] = sealed
        }
        seen.withLock { $0 = values }
    }

    // MARK: - A group's files as one sealed value: a JSON object from paths relative to the data directory
    // to contents.

    private func sealFiles(of group: SecretGroup) throws -> [UInt8] {
        try seal(try localFiles(of: group), as: group)
    }

    private func seal(_ files: [String: Data], as group: SecretGroup) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try box.seal(Array(try encoder.encode(files)), name: group.name)
    }

    private func openFiles(_ sealed: [UInt8], of group: SecretGroup) throws -> [String: Data] {
        let plaintext = try box.open(sealed, name: group.name)
        guard let files = try? JSONDecoder().decode([String: Data].self, from: Data(plaintext)) else {
            throw DeployerError(.environment, "the secret \(group.name) in the store opens but holds no files: it is corrupt")
        }
        let known = Set(group.paths.map(relative))
        if let stranger = files.keys.first(where: { !known.contains($0) }) {
            throw DeployerError(.environment, "the secret \(group.name) in the store holds \(stranger.debugDescription), "
                + "which is not one of its files")
        }
        return files
    }

    /// The group's files that exist here.
    private func localFiles(of group: SecretGroup) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in group.paths where Files.exists(path) {
            do {
                files[relative(path)] = Data(try Files.read(path))
            } catch {
                throw DeployerError(.environment, "cannot read \(path) to share it: \(error)")
            }
        }
        return files
    }

    private func write(_ files: [String: Data], of group: SecretGroup) throws {
        for path in group.paths {
            do {
                if let content = files[relative(path)] {
                    guard (try? Files.read(path)) != Array(content) else { continue }
                    try Files.makeDirectories(Files.parentDirectory(of: path), mode: 0o700)
                    try Files.writeAtomically(Array(content), to: path, mode: 0o600)
                } else {
                    _ = try Files.removeFile(path)
                }
            } catch {
                throw DeployerError(.environment, "cannot write \(path) from the store's \(group.name): \(error)")
            }
        }
    }

    private func relative(_ path: String) -> String {
        String(path.dropFirst(dataDirectory.count + 1))
    }
}
