import Foundation
import SSH
import Synchronization
import Testing
import TestSupport

@Suite("SFTP over a real sshd")
struct SFTPTests {
    private static let mebibyte = 1 << 20

    /// Logs in as root with the host's Ed25519 key.
    private func rootSession(_ host: TestHost) async throws -> SSHSession {
        try await SSHClient().connect(
            host: host.address, port: host.sshPort,
            credential: .privateKey(user: "root", key: .file(path: host.key)),
            hostKey: .pinned(fingerprint: host.fingerprint))
    }

    /// Writes `mebibytes` MiB of incompressible bytes quickly: one random MiB, varied per block.
    private func makeFile(_ path: String, mebibytes: Int) throws {
        var block = (0..<Self.mebibyte).map { _ in UInt8.random(in: 0...255) }
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw TestFailure("cannot create \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(filePath: path))
        defer { try? handle.close() }
        for index in 0..<mebibytes {
            withUnsafeBytes(of: UInt64(index)) { counter in
                for (offset, byte) in counter.enumerated() { block[offset] = byte }
            }
            try handle.write(contentsOf: block)
        }
    }

    private func localMD5(_ path: String) async throws -> String {
        try await Program.md5(of: path)
    }

    private func remoteMD5(_ session: SSHSession, _ path: String) async throws -> String {
        let result = try await session.exec(["md5sum", "--", path])
        #expect(result.succeeded, "\(result.stderrText)")
        return String(result.stdoutText.prefix(32))
    }

    @Test func roundTripOf200MiBKeepsContent() async throws {
        let scratch = try TemporaryDirectory("ssh-tests")
        defer { scratch.remove() }
        let original = scratch.path + "/original"
        let copy = scratch.path + "/copy"
        try makeFile(original, mebibytes: 200)
        let expected = try await localMD5(original)
        try await TestHost.with("sftp-round-trip", octet: 61) { host in
            let session = try await rootSession(host)
            let remote = host.directory.path + "/root/images/big.img"
            try await session.makeDirectories(host.directory.path + "/root/images")
            let reports = Mutex<[TransferProgress]>([])
            let sent = try await session.upload(local: original, to: remote) { progress in
                reports.withLock { $0.append(progress) }
            }
            #expect(sent.totalBytes == Int64(200 * Self.mebibyte))
            #expect(sent.bytesTransferred == sent.totalBytes)
            let uploads = reports.withLock { $0 }
            #expect(uploads.last == TransferProgress(bytesDone: sent.totalBytes, totalBytes: sent.totalBytes))
            #expect(zip(uploads, uploads.dropFirst()).allSatisfy { $0.bytesDone < $1.bytesDone })
            #expect(try await remoteMD5(session, remote) == expected)

            let received = try await session.download(remote: remote, to: copy)
            #expect(received.bytesTransferred == sent.totalBytes)
            #expect(try await localMD5(copy) == expected)
            await session.close()
        }
    }

    @Test func downloadResumesAfterACut() async throws {
        let scratch = try TemporaryDirectory("ssh-tests")
        defer { scratch.remove() }
        let local = scratch.path + "/partial"
        try await TestHost.with("sftp-resume", octet: 62) { host in
            let session = try await rootSession(host)
            let remote = host.directory.path + "/root/source with 'quotes' & spaces"
            let size = 100 * Self.mebibyte
            let made = try await session.exec(
                command: "head -c \(size) /dev/urandom > " + ShellQuoting.quote(remote))
            #expect(made.succeeded, "\(made.stderrText)")

            // Cut the first download by cancelling its task from its own progress callback once 20 MiB are in,
            // so the cut happens at that point however fast the transfer runs.
            let handle = Mutex<Task<TransferResult, any Error>?>(nil)
            let published = DispatchSemaphore(value: 0)
            let first = Task {
                try await session.download(remote: remote, to: local) { progress in
                    guard progress.bytesDone >= 20 * Self.mebibyte else { return }
                    if handle.withLock({ $0 == nil }) { published.wait() }
                    handle.withLock { $0?.cancel() }
                }
            }
            handle.withLock { $0 = first }
            published.signal()
            let cut = await first.result
            guard case .failure(let error as SSHError) = cut else {
                Issue.record("the first download was not cut: \(cut)")
                return
            }
            #expect(error.code == .cancelled)
            let partial = try #require(try FileManager.default.attributesOfItem(atPath: local)[.size] as? Int)
            #expect(partial >= 20 * Self.mebibyte && partial < size)

            let resumed = try await session.download(remote: remote, to: local, resume: true)
            #expect(resumed.resumedFrom == Int64(partial))
            #expect(resumed.bytesTransferred == Int64(size - partial))
            #expect(try await localMD5(local) == (try await remoteMD5(session, remote)))
            await session.close()
        }
    }

    @Test func fileOperationsAndTheirErrors() async throws {
        let scratch = try TemporaryDirectory("ssh-tests")
        defer { scratch.remove() }
        let small = scratch.path + "/small"
        try Data("hello\n".utf8).write(to: URL(filePath: small))
        try await TestHost.with("sftp-ops", octet: 63) { host in
            let session = try await rootSession(host)
            let directory = host.directory.path + "/root/a/b/c"
            try await session.makeDirectories(directory)
            try await session.makeDirectories(directory)  // already there: fine
            #expect(try await session.attributes(of: directory).isDirectory)

            let remote = directory + "/secret.conf"
            try await session.upload(local: small, to: remote, permissions: 0o600)
            let attributes = try await session.attributes(of: remote)
            #expect(attributes.size == 6)
            #expect(attributes.isRegularFile)
            #expect(attributes.permissions.map { $0 & 0o7777 } == 0o600)

            let bigger = scratch.path + "/bigger"
            try Data(repeating: 1, count: 100).write(to: URL(filePath: bigger))
            let tooBig = await #expect(throws: SSHError.self) {
                try await session.download(remote: remote, to: bigger, resume: true)
            }
            #expect(tooBig?.code == .invalidArgument)

            try await session.removeFile(remote)
            let gone = await #expect(throws: SSHError.self) { try await session.attributes(of: remote) }
            #expect(gone?.isNoSuchFile == true)
            let missing = await #expect(throws: SSHError.self) {
                try await session.download(remote: remote, to: scratch.path + "/never")
            }
            #expect(missing?.isNoSuchFile == true)
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/never"))
            let kept = await #expect(throws: SSHError.self) { try await session.download(remote: remote, to: small) }
            #expect(kept?.isNoSuchFile == true)
            #expect(try String(contentsOfFile: small, encoding: .utf8) == "hello\n")
            await session.close()
        }
    }
}

extension SFTPTests {
    /// The SFTP server is foreign input: one that stops halfway through a reply fails at the client's idle
    /// timeout (libssh's own SFTP would wait forever), and one that announces an absurd packet is refused
    /// without allocating it. sshd's ForceCommand stands in for the server's sftp subsystem.
    @Test(.timeLimit(.minutes(1)), arguments: [
        (#"printf '\000\000'; exec sleep 60"#, SSHError.Code.timeout),
        (#"printf '\377\377\377\377\002'; exec sleep 60"#, SSHError.Code.sftp),
    ])
    func brokenServersFailInsteadOfHanging(serverOutput: String, expected: SSHError.Code) async throws {
        let index = expected == .timeout ? 0 : 1
        try await TestHost.with(
            name: "ssh-tests-sftp-broken-\(index)", address: "127.0.73.\(2 + index)", sshPort: 2741 + index,
            sshdConfig: "Match User zstack-test\n    ForceCommand \(serverOutput)"
        ) { host in
            let session = try await SSHClient(ioTimeout: .seconds(1)).connect(
                host: host.address, port: host.sshPort,
                credential: .password(user: host.user, password: host.password),
                hostKey: .pinned(fingerprint: host.fingerprint))
            let error = await #expect(throws: SSHError.self) { try await session.attributes(of: "/") }
            #expect(error?.code == expected, "\(String(describing: error))")
            await session.close()
        }
    }
}
