import HostSystem
import SSH

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Moves image files between this host and an SFTP backup storage over SSH, logging in with the private key
/// the MN sends in the command. The key stays in memory (libssh reads it from there) and out of every
/// message: `SSHCredential` and `SSHError` never print it.
///
/// The MN sends no host-key fingerprint with these commands, so the backup storage's key is trusted on
/// first use and remembered in `knownHosts`: later transfers to that host must meet the same key (the
/// Python agent's `StrictHostKeyChecking=no` accepts any key, every time).
///
/// No `/progress/report` is sent, although the commands carry `threadContext`: ZStack 5.x's localstorage
/// plugin sends none for `/localstorage/sftp/download` and `/upload` (only volume migration's copy and md5
/// steps report, scaled into the share of the API the MN names in `task-stage`). The MN stores a report's
/// `progress` as the whole API's progress, so a report it does not expect would misstate an API of which
/// the transfer is one step (creating a VM from an image).
struct SftpImageTransfer: Sendable {
    /// Where the backup storage is and how to log in to it.
    struct Endpoint: Sendable {
        let host: String
        let port: Int
        let credential: SSHCredential

        /// Checks the command's fields: a missing host or key is the MN's mistake, said plainly.
        init(hostname: String?, port: Int?, username: String?, sshKey: String?) throws {
            guard let hostname, !hostname.isEmpty else { throw KVMAgentError(.localStorage, "hostname of the backup storage is missing") }
            guard let sshKey, !sshKey.isEmpty else { throw KVMAgentError(.localStorage, "sshKey for the backup storage is missing") }
            let user = username.flatMap { $0.isEmpty ? nil : $0 } ?? "root"
            try self.init(host: hostname, port: port, portField: "sshPort", credential: .privateKey(user: user, keyText: sshKey))
        }

        /// Another KVM host as `CopyBitsFromRemoteCmd` names it: its address and root's password. Only root,
        /// as ZStack's agent: the files go to the same paths there, which only root may write.
        init(dstIp: String?, port: Int?, username: String?, password: String?) throws {
            guard let dstIp, !dstIp.isEmpty else { throw KVMAgentError(.localStorage, "dstIp of the destination host is missing") }
            guard username == "root" else {
                throw KVMAgentError(.localStorage, "dstUsername \(username ?? "") is not root: cannot support migrate to non-root user host")
            }
            guard let password, !password.isEmpty else { throw KVMAgentError(.localStorage, "dstPassword for the destination host is missing") }
            try self.init(host: dstIp, port: port, portField: "dstPort", credential: .password(user: "root", password: password))
        }

        private init(host: String, port: Int?, portField: String, credential: SSHCredential) throws {
            let port = port ?? 22
            guard (1...65535).contains(port) else { throw KVMAgentError(.localStorage, "\(portField) \(port) is not a TCP port") }
            self.host = host
            self.port = port
            self.credential = credential
        }

        /// `user@host:port:path`, for messages.
        func describe(_ path: String) -> String { "\(credential.user)@\(host):\(port):\(path)" }
    }

    let client: SSHClient
    /// Backup-storage host keys seen so far (`<state dir>/sftp_known_hosts`).
    let knownHosts: KnownHostsFile

    /// Downloads `remote` into `local` by way of a temporary file in the same directory (named to
    /// `staging` first), renamed over `local` only when complete: a reader never sees half an image, and a
    /// failure leaves nothing behind.
    /// - Returns: the size of the image.
    @discardableResult
    func download(_ remote: String, from endpoint: Endpoint, to local: String,
                  staging: (String) -> Void = { _ in }) async throws -> Int64 {
        guard Files.kind(local) != .directory else { throw KVMAgentError(.localStorage, "\(local) is a directory, not an image file") }
        let file = try StagedFile(target: local)
        staging(file.temporaryPath)
        do {
            let directory = Files.parentDirectory(of: local)
            let size = try await withSession(endpoint, remote) { session throws(SSHError) in
                // An image that cannot fit would fill the file system the VMs' disks live on.
                let announced = try await session.attributes(of: remote).size ?? 0
                if let free = try? FilesystemCapacity.of(directory).availableBytes, announced > UInt64(max(0, free)) {
                    throw SSHError(.localFile, "\(remote) has \(announced) bytes, more than the \(free) free on the local storage")
                }
                return try await session.download(remote: remote, to: file.temporaryPath, permissions: 0o600).totalBytes
            }
            try file.commit(mode: 0o644)
            return size
        } catch {
            file.discard()
            throw error
        }
    }

    /// Uploads `local` to `remote`, creating the remote parent directory. A failed upload removes what it
    /// wrote on the remote side.
    func upload(_ local: String, to endpoint: Endpoint, at remote: String) async throws {
        guard Files.kind(local) == .regular else { throw KVMAgentError(.localStorage, "\(local) does not exist or is not a file") }
        try await withSession(endpoint, remote) { session throws(SSHError) in
            try await session.makeDirectories(Files.parentDirectory(of: remote))
            do throws(SSHError) {
                try await session.upload(local: local, to: remote, permissions: 0o644)
            } catch {
                try? await session.removeFile(remote)
                throw error
            }
        }
    }

    /// Connects, runs `body`, closes; SSH failures come back naming the remote file and what went wrong.
    func withSession<T: Sendable>(
        _ endpoint: Endpoint, _ remote: String, _ body: (SSHSession) async throws(SSHError) -> T
    ) async throws -> T {
        do {
            let session = try await client.connect(host: endpoint.host, port: endpoint.port, credential: endpoint.credential,
                                                   hostKey: knownHosts.policy(host: endpoint.host, port: endpoint.port))
            do {
                try knownHosts.remember(session)
                let result = try await body(session)
                await session.close()
                return result
            } catch {
                await session.close()
                throw error
            }
        } catch {
            throw KVMAgentError(.localStorage, "SFTP transfer of \(endpoint.describe(remote)) failed: \(error)")
        }
    }
}
