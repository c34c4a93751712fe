import Foundation
import SSH

extension RunExecutor {
    /// Logs in to each new host (password or key), pins its host key, installs the deployer's key when a
    /// password was given and proves the key works, then adds the host to the inventory. A host that fails
    /// is recorded in the run with the reason and not added.
    func bootstrap(_ inputs: [HostInput]) async -> [HostRecord] {
        await withTaskGroup(of: HostRecord?.self) { group in
            for input in inputs {
                group.addTask { await self.bootstrap(input) }
            }
            var added: [HostRecord] = []
            for await host in group {
                if let host { added.append(host) }
            }
            return added
        }
    }

    private func bootstrap(_ input: HostInput) async -> HostRecord? {
        let kind = input.kind ?? .kvm
        let user = input.user ?? "root"
        var host = HostRecord(
            uuid: input.uuid ?? UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""),
            name: input.name ?? input.address, address: input.address, sshPort: input.sshPort ?? 22, user: user,
            kind: kind, agentPort: input.agentPort ?? kind.defaultPort, privateKeyPath: input.privateKeyPath,
            password: input.storePassword == true ? input.password : nil, become: input.become ?? (user != "root"),
            hostKeyFingerprint: "", hostKey: "", variables: input.variables ?? [:], addedAt: Date())
        do {
            let credential: SSHCredential = if let password = input.password, input.privateKeyPath == nil {
                .password(user: user, password: password)
            } else {
                .privateKey(user: user, key: .file(path: input.privateKeyPath!))
            }
            let session = try await firstContact(host, credential: credential, expectedFingerprint: input.hostKeyFingerprint)
            host.hostKeyFingerprint = session.hostKeyFingerprint
            host.hostKey = session.hostKey
            let keySession: SSHSession
            if input.privateKeyPath == nil {
                // SSH authenticates a connection once: the password login installs the key, and a login
                // with the key proves now that later runs can log in. That one is the run's session.
                do {
                    try await KeyBootstrap.install(deployer.key.publicKey, over: session)
                } catch {
                    await session.close()
                    throw error
                }
                await session.close()
                keySession = try await sessions.session(for: host)
            } else {
                // Logged in with the host's own key already: that is the run's session.
                keySession = session
                await sessions.adopt(session, for: host.uuid)
            }
            let result = try await HostConnector.exec(["true"], on: keySession, host: host)
            guard result.succeeded else {
                throw DeployerError(.environment, "logged in with the key, but `true` failed: \(result.stderrText.prefix(300))")
            }
            try await inventory.insert(host)
            await report("\(host.label): added as \(host.uuid), host key \(host.hostKeyFingerprint)")
            return host
        } catch {
            let reason = "bootstrap over ssh \(user)@\(host.address):\(host.sshPort) failed: \(error)"
            await sessions.finish(host.uuid)
            try? await recordOutcome(host, batch: nil, outcome: .failed, decision: .fail, reason: reason, error: reason)
            await report("\(host.label): \(reason)")
            return nil
        }
    }

    /// The first login. With an expected fingerprint, the SSH client compares it with the offered key before
    /// it authenticates: a host that is not the one meant never sees the password. The refusal says which
    /// key the host offered (the SSH error names both fingerprints; the expected one is the other).
    private func firstContact(_ host: HostRecord, credential: SSHCredential, expectedFingerprint: String?)
        async throws -> SSHSession
    {
        guard let expectedFingerprint else {
            return try await deployer.connector.open(host, credential: credential, hostKey: .trustOnFirstUse)
        }
        do {
            return try await deployer.connector.open(host, credential: credential,
                                                     hostKey: .pinned(fingerprint: expectedFingerprint))
        } catch let error as SSHError {
            guard error.code == .hostKeyMismatch else { throw error }
            let expected = (try? HostKeyPolicy.normalize(expectedFingerprint)) ?? expectedFingerprint
            let offered = error.message.matches(of: /SHA256:[A-Za-z0-9+\/]{43}/).map { String($0.output) }
                .first { $0 != expected } ?? "another key"
            throw DeployerError(.invalidInput, "host key fingerprint mismatch: expected \(expected), the host "
                + "offered \(offered); no password was sent")
        }
    }
}
