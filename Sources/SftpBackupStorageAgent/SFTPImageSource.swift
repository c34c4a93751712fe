#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem
import SSH

/// `sftp://user[:password]@host[:port]/path`: a password in the URL logs in with it (the Python agent's
/// `sshpass`); otherwise the agent's private key does. The host key is trusted on first use, as the Python
/// agent's `sftp -o StrictHostKeyChecking=no` does.
struct SFTPImageSource: ImageSource {
    let host: String
    let port: Int
    let user: String
    let password: String?
    let remotePath: String
    let privateKeyPath: String
    let knownHosts: KnownHostsFile

    init(url: URL, privateKeyPath: String, knownHosts: KnownHostsFile) throws {
        guard let host = url.host, !host.isEmpty else { throw SftpBackupStorageError("sftp url names no host") }
        guard !url.path.isEmpty else { throw SftpBackupStorageError("sftp url names no file") }
        self.host = host
        port = url.port ?? 22
        // `user` comes decoded once already and is decoded again, as it always was here.
        user = url.user.flatMap(Self.percentDecoded) ?? "root"
        password = url.password.flatMap(Self.percentDecoded)
        remotePath = url.path
        self.privateKeyPath = privateKeyPath
        self.knownHosts = knownHosts
    }

    func fetch(into file: StagedFile, progress: @escaping @Sendable (Int64, Int64?) -> Void) async throws {
        let credential: SSHCredential
        if let password {
            credential = .password(user: user, password: password)
        } else {
            guard FileManager.default.isReadableFile(atPath: privateKeyPath) else {
                throw SftpBackupStorageError(
                    "the sftp url has no password and the agent's private key \(privateKeyPath) is not readable")
            }
            credential = .privateKey(user: user, key: .file(path: privateKeyPath))
        }
        let session = try await SSHClient().connect(host: host, port: port, credential: credential,
                                                    hostKey: knownHosts.policy(host: host, port: port))
        do {
            try knownHosts.remember(session)
            // SFTP writes the file itself: the size is checked against the limit before it starts.
            try file.expect(total: try await session.attributes(of: remotePath).size.flatMap { Int64(exactly: $0) ?? .max })
            try await session.download(remote: remotePath, to: file.temporaryPath, permissions: 0o600) {
                progress($0.bytesDone, $0.totalBytes)
            }
            await session.close()
        } catch {
            await session.close()
            throw error
        }
        try await file.adoptWrittenContent()
    }

    /// `%XX` sequences decoded, as Foundation's `removingPercentEncoding` (not in FoundationEssentials): nil
    /// when a `%` is not followed by two hex digits or the bytes are not UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var input = text.utf8.makeIterator()
        while let byte = input.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = input.next().flatMap(hexValue), let low = input.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
