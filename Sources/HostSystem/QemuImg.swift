#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one `qemu-img` layer, with argv: read image headers, create qcow2 volumes (empty or on a backing
/// file), grow them. Paths must be absolute, so qemu-img can take them neither for an option nor for a
/// `protocol:` name.
public struct QemuImg: Sendable {
    /// What `qemu-img info --output=json` says about an image; only the fields the agent reads.
    public struct Info: Decodable, Sendable, Equatable {
        public var format: String
        /// Bytes the guest sees.
        public var virtualSize: Int64
        /// Bytes the image occupies on disk.
        public var actualSize: Int64?
        public var backingFilename: String?

        enum CodingKeys: String, CodingKey {
            case format
            case virtualSize = "virtual-size"
            case actualSize = "actual-size"
            case backingFilename = "backing-filename"
        }
    }

    let runner: ProcessRunner

    public init(runner: ProcessRunner = ProcessRunner()) { self.runner = runner }

    /// Reads an image's header (`info` does not open backing files). `--force-share` lets it read images a
    /// running VM holds open.
    public func info(_ path: String) async throws -> Info {
        try Self.requireAbsolute(path)
        let output = try await runner.run("qemu-img", ["info", "--force-share", "--output=json", path])
        return try JSONDecoder().decode(Info.self, from: Data(output.standardOutput))
    }

    /// Creates an empty qcow2 image of `size` bytes.
    public func create(_ path: String, size: Int64) async throws {
        try Self.requireAbsolute(path)
        try await runner.run("qemu-img", ["create", "-f", "qcow2", path, String(size)])
    }

    /// Creates a qcow2 image whose reads fall through to `backing` (written into the header as given, so
    /// pass an absolute path); its virtual size is the backing file's.
    public func create(_ path: String, backing: String, backingFormat: String) async throws {
        try Self.requireAbsolute(path)
        try Self.requireAbsolute(backing)
        try await runner.run("qemu-img", ["create", "-f", "qcow2", "-F", backingFormat, "-b", backing, path])
    }

    /// Grows (never shrinks) an image to `size` bytes.
    public func resize(_ path: String, to size: Int64) async throws {
        try Self.requireAbsolute(path)
        try await runner.run("qemu-img", ["resize", path, String(size)])
    }

    /// The installed qemu-img's version ("qemu-img version 7.2.0 (Debian 1:7.2+dfsg-7)": the third word, cut
    /// at a "(" and stripped of a ",", as ZStack's agent reads "2.12.0(qemu-kvm-ev-2.12.0-44.1.el7)" as
    /// 2.12.0); nil when it is missing or says something else.
    public func version() async -> String? {
        guard let output = try? await runner.run("qemu-img", ["--version"]).text else { return nil }
        let words = output.split(whereSeparator: \.isWhitespace)
        guard words.count >= 3, words[1] == "version" else { return nil }
        let version = words[2].prefix { $0 != "(" }.filter { $0 != "," }
        return version.isEmpty ? nil : String(version)
    }

    private static func requireAbsolute(_ path: String) throws(FileSystemError) {
        guard path.hasPrefix("/") else { throw FileSystemError("pass to qemu-img", path, detail: "not an absolute path") }
    }
}
