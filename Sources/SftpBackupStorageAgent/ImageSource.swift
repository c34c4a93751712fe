import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem
import NIOCore
import NIOHTTP1
import NIOPosix

/// Where a download comes from. Each source streams into a `StagedFile`, reporting progress as it goes,
/// and stops promptly when its task is cancelled.
protocol ImageSource: Sendable {
    /// - Parameter progress: bytes received so far and the total when the source knows it.
    func fetch(into file: StagedFile, progress: @escaping @Sendable (Int64, Int64?) -> Void) async throws
}

/// `http://` and `https://`, redirects followed, the body streamed (never held whole in memory).
struct HTTPImageSource: ImageSource {
    let url: String
    var client: HTTPClient = .imageDownloads

    func fetch(into file: StagedFile, progress: @escaping @Sendable (Int64, Int64?) -> Void) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        // The caller's deadline governs; this only keeps AsyncHTTPClient from imposing a shorter one.
        let response = try await client.execute(request, timeout: .hours(24 * 30))
        guard response.status == .ok else {
            throw SftpBackupStorageError("cannot download \(ImageDownloader.redacted(url)): the server answered HTTP \(response.status.code) \(response.status.reasonPhrase)")
        }
        let total = response.headers.first(name: "content-length").flatMap { Int64($0) }
        try file.expect(total: total)
        progress(0, total)
        for try await buffer in response.body {
            try buffer.withUnsafeReadableBytes { try file.write($0) }
            progress(file.bytesWritten, total)
        }
        if let total, file.bytesWritten != total {
            throw SftpBackupStorageError("download of \(ImageDownloader.redacted(url)) ended after \(file.bytesWritten) of \(total) bytes")
        }
    }
}

/// `file://`: a file on the backup-storage host itself (ZStack copies it with `cp`).
struct LocalFileSource: ImageSource {
    let path: String

    func fetch(into file: StagedFile, progress: @escaping @Sendable (Int64, Int64?) -> Void) async throws {
        let total = try? Files.size(path)
        guard total != nil, FileManager.default.isReadableFile(atPath: path) else {
            throw SftpBackupStorageError("cannot read \(path): no such file or not readable")
        }
        try file.expect(total: total)
        progress(0, total)
        try await Files.forEachChunk(ofFileAt: path) { chunk in
            try file.write(chunk)
            progress(file.bytesWritten, total)
        }
    }
}

extension HTTPClient {
    /// The client image downloads use. Unlike `.shared` it reports a refused or unreachable server at once
    /// (`.shared` retries the connection until the request's deadline: with no `timeout` in the command, the
    /// MN would wait two hours for a "connection refused"). Process-wide and never shut down, like `.shared`.
    static let imageDownloads: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .follow(max: 10, allowCycles: false))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(30)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
}
