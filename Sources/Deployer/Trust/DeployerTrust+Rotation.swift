import HostSystem
import AgentTrust
import Foundation

/// The rotation's state on disk (`rotation.json`): written before anything it describes, so that a crash at
/// any step leaves a state `ca rotate` can resume from.
struct RotationState: Codable, Sendable {
    var phase: RotationPhase
    var previousCertificatePEM: String
    var startedAt: Date
}

extension DeployerTrust {
    func rotation() throws -> RotationState? {
        guard FileManager.default.fileExists(atPath: directory.rotationPath) else { return nil }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(RotationState.self, from: Data(contentsOf: URL(fileURLWithPath: directory.rotationPath)))
        } catch {
            throw DeployerError(.environment, "the rotation state \(directory.rotationPath) is unreadable: \(error.localizedDescription)")
        }
    }

    private func save(_ state: RotationState) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try Files.writeAtomically(Array(try encoder.encode(state)), to: directory.rotationPath)
        } catch {
            throw DeployerError(.environment, "cannot write the rotation state \(directory.rotationPath): \(error.localizedDescription)")
        }
    }

    /// Starts a rotation (or returns the one in progress): a new CA in `next/`, then the state, then the
    /// bundle old+new. A new CA left in `next/` by a crash
    /// before the state was written is reused.
    func beginRotation(now: Date = Date()) throws -> RotationState {
        if let state = try rotation() {
            try writeBundle(for: state)
            return state
        }
        let current = try currentAuthority()
        // A `next/` that is the current CA is what a crash at the very end of the last rotation left.
        let leftover = try? CertificateAuthority.load(from: directory.nextDirectory)
        if leftover == nil || leftover?.fingerprint == current.fingerprint {
            let next = try Self.newAuthority(now: now)
            try wrap { try next.save(to: directory.nextDirectory) }
        }
        let state = RotationState(phase: .spreading, previousCertificatePEM: current.certificatePEM, startedAt: now)
        try save(state)
        try writeBundle(for: state)
        return state
    }

    /// After every host trusts the new CA: the client certificate becomes the new CA's, and the bundle drops
    /// the old CA (hosts get it in the second pass; until then they trust both, so the new client works
    /// everywhere).
    func switchClient(_ state: RotationState, now: Date = Date()) throws -> RotationState {
        var state = state
        try issueClient(from: try issuingAuthority(), now: now)
        state.phase = .dropping
        try save(state)
        try writeBundle(for: state)
        return state
    }

    /// After every host received the bundle without the old CA: the new CA takes the old one's place.
    /// The state goes last, so a crash while the CA files are replaced is resumed by doing it again.
    func finishRotation() throws {
        let next = try issuingAuthority()
        try wrap { try next.save(to: directory.path) }
        try? FileManager.default.removeItem(atPath: directory.rotationPath)
        try? FileManager.default.removeItem(atPath: directory.nextDirectory)
    }

    /// The bundle a phase needs: old+new while spreading, the new CA alone once dropping.
    private func writeBundle(for state: RotationState) throws {
        let next = try issuingAuthority()
        switch state.phase {
        case .spreading: try writeBundle([state.previousCertificatePEM, next.certificatePEM])
        case .dropping: try writeBundle([next.certificatePEM])
        }
    }
}
