import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem
import Logging
import SSH

/// Carries out `download`: picks the source for the URL, streams it into a staged file beside the target,
/// inspects it with qemu-img, and only then renames it into place.
struct ImageDownloader: Sendable {
    let jobs: DownloadJobs
    let defaultTimeout: Duration
    let privateKeyPath: String
    /// Where `file://` URLs may point; nil when the agent has no import directory.
    let importDirectories: PermittedRoots?
    /// Host keys of the `sftp://` servers downloaded from.
    let knownHosts: KnownHostsFile
    /// Largest image a download may write.
    let maxImageBytes: Int64

    func download(_ command: SftpBackupStorage.DownloadCmd, root: StorageRoot, context: CommandContext) async throws -> SftpBackupStorage.DownloadResponse {
        guard let url = command.url, !url.isEmpty else { throw SftpBackupStorageError("url is missing") }
        let target = try root.resolve(command.installPath, field: "installPath")
        let source = try source(for: url, scheme: command.urlScheme)
        let timeout = command.timeout.flatMap { $0 > 0 ? Duration.milliseconds($0) : nil } ?? defaultTimeout
        let progress = DownloadProgress(command: command, events: context.events, logger: context.logger)
        context.logger.debug("downloading", metadata: ["url": "\(Self.redacted(url))", "install_path": "\(target)"])
        return try await jobs.run(
            apiId: command.threadContext?["api"]?.stringValue,
            timeout: timeout,
            describe: "download of \(Self.redacted(url))"
        ) {
            try await progress.reporting {
                root.withCapacity(try await Self.fetch(source, into: target, limit: byteLimit(root), progress: progress))
            }
        }
    }

    /// The configured maximum, or the storage's free space less 1 GiB (kept for metadata and the OS), if smaller.
    private func byteLimit(_ root: StorageRoot) -> Int64 {
        guard let available = try? FilesystemCapacity.of(root.path).availableBytes else { return maxImageBytes }
        return max(0, min(maxImageBytes, available - (1 << 30)))
    }

    private static func fetch(_ source: some ImageSource, into target: String, limit: Int64,
                              progress: DownloadProgress) async throws -> SftpBackupStorage.DownloadResponse {
        let file = try StagedFile(target: target, byteLimit: limit, limitName: "this backup storage accepts (the configured "
            + "maximum image size or the free space of the storage)")
        do {
            progress.update(0)
            try await source.fetch(into: file, progress: progress.received)
            let md5 = file.finishHash()
            let info = try await QemuImg().info(file.temporaryPath)
            try Task.checkCancellation()
            try file.commit()
            progress.update(100)
            var reply = SftpBackupStorage.DownloadResponse()
            reply.md5Sum = md5
            reply.format = info.format
            reply.size = info.virtualSize
            reply.actualSize = file.bytesWritten
            return reply
        } catch {
            file.discard()
            throw error
        }
    }

    private func source(for url: String, scheme: String?) throws -> any ImageSource {
        guard let parsed = URL(string: url), let urlScheme = parsed.scheme?.lowercased() else {
            throw SftpBackupStorageError("url \(Self.redacted(url)) is not a valid URL")
        }
        switch urlScheme {
        case "http", "https":
            return HTTPImageSource(url: url)
        case "sftp":
            return try SFTPImageSource(url: parsed, privateKeyPath: privateKeyPath, knownHosts: knownHosts)
        case "file":
            guard !parsed.path.isEmpty else { throw SftpBackupStorageError("url \(url) names no file") }
            guard let imports = importDirectories else {
                throw SftpBackupStorageError("file:// downloads are off on this backup storage: start the agent with --import-dir DIR")
            }
            guard let path = imports.resolve(parsed.path), Files.kind(path) == .regular else {
                throw SftpBackupStorageError("file://\(parsed.path) is not a regular file inside the import directories (\(imports))")
            }
            return LocalFileSource(path: path)
        default:
            throw SftpBackupStorageError("url scheme '\(urlScheme)' (urlScheme '\(scheme ?? "")') is not supported: use http, https, sftp or file")
        }
    }

    /// The URL without its password, for logs and error messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = SensitiveFields.mask
        return components.string ?? url
    }
}
