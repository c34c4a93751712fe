import HostSystem
import SSH

/// The copy of a volume's files to another KVM host (`/localstorage/copytoremote`), over SFTP with the
/// destination's root password, where ZStack's agent runs `rsync` through `sshpass` with the password in a
/// temporary file: here the password stays in memory and goes only to the SSH server.
///
/// The destination's host key is handled as the backup storages' are (`knownHosts`, the agent's
/// `sftp_known_hosts`): trusted at first contact, required afterwards. The MN sends no fingerprint, so there
/// is nothing better to check it against; ZStack's agent (`StrictHostKeyChecking=no`,
/// `UserKnownHostsFile=/dev/null`) accepts any key every time, which gives root's password to whoever
/// answers at the address.
extension SftpImageTransfer {
    /// One file to copy: read at `local` (its canonical path here), written at `remote` on the other host.
    struct HostCopyFile: Sendable, Equatable {
        let local: String
        let remote: String
        let size: Int64
        /// Its permission bits, which the copy gets (rsync's `-a`).
        let mode: UInt32
    }

    /// Copies `files` in order, each written under a temporary name beside its target, flushed to disk
    /// (`sync`, as ZStack's agent runs after each file) and renamed over the target: the final name never
    /// holds part of a file. A failure or cancellation removes what this copy made there — the temporary
    /// file, the files it placed where none was, the folders it created — so the destination is as it was
    /// (a file it replaced stays replaced, whole).
    /// - Parameter progress: bytes copied so far over all the files; called on an SSH executor thread.
    func copy(_ files: [HostCopyFile], to endpoint: Endpoint, progress: @escaping @Sendable (Int64) -> Void) async throws {
        let what = files.map(\.remote).joined(separator: ", ")
        try await withSession(endpoint, what) { session throws(SSHError) in
            var made = MadeOnHost()
            do throws(SSHError) {
                var done: Int64 = 0
                for file in files {
                    made.directories += try await session.makeDirectories(Files.parentDirectory(of: file.remote))
                    let existed = try await Self.exists(file.remote, on: session)
                    let temporary = Self.temporaryName(for: file.remote)
                    made.temporary = temporary
                    let before = done
                    try await session.upload(local: file.local, to: temporary, permissions: file.mode) { progress(before + $0.bytesDone) }
                    let synced = try await session.exec(["sync", temporary])
                    guard synced.succeeded else {
                        throw SSHError(.channel, "sync \(temporary) failed on the destination: \(synced.stderrText.prefix(200))")
                    }
                    try await session.rename(temporary, to: file.remote)
                    made.temporary = nil
                    if !existed { made.files.append(file.remote) }
                    done += file.size
                    progress(done)
                }
            } catch {
                // In a task of its own: a cancelled caller's task would cancel the removals too.
                let leftovers = made
                await Task { await leftovers.remove(from: session) }.value
                throw error
            }
        }
    }

    /// `.<name>.<random>.partial` beside `path`, as `StagedFile` names its temporary files here.
    private static func temporaryName(for path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        return Files.parentDirectory(of: path) + "/.\(name).\(UInt32.random(in: .min ... .max)).partial"
    }

    private static func exists(_ path: String, on session: SSHSession) async throws(SSHError) -> Bool {
        do {
            _ = try await session.attributes(of: path)
            return true
        } catch where error.isNoSuchFile {
            return false
        }
    }
}

/// What a host copy has made on the destination so far, removed again if it does not complete.
private struct MadeOnHost: Sendable {
    var temporary: String?
    var files: [String] = []
    var directories: [String] = []

    /// Best effort: the failure that got here is the error worth reporting.
    func remove(from session: SSHSession) async {
        if let temporary { try? await session.removeFile(temporary) }
        for file in files.reversed() { try? await session.removeFile(file) }
        for directory in directories.reversed() { try? await session.removeDirectory(directory) }
    }
}
