#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The one `qemu-img` layer, with argv: read image headers and backing chains, create qcow2 volumes (empty
/// or on a backing file), resize, measure, convert, rebase (safe or header only) and commit them. Paths must
/// be absolute, so qemu-img can take them neither for an option nor for a `protocol:` name.
public struct QemuImg: Sendable {
    /// What `qemu-img info --output=json` says about an image; only the fields the agent reads.
    public struct Info: Decodable, Sendable, Equatable {
        public var format: String
        /// Bytes the guest sees.
        public var virtualSize: Int64
        /// Bytes the image occupies on disk.
        public var actualSize: Int64?
        /// The backing file as written in the header (ZStack writes absolute paths).
        public var backingFilename: String?
        /// The backing file resolved against the image's directory, when the header names one.
        public var fullBackingFilename: String?
        /// The image's internal (qcow2) snapshots; nil or empty when it has none.
        public var snapshots: [InternalSnapshot]?

        /// The backing file's path as qemu opens it.
        public var backingPath: String? { fullBackingFilename ?? backingFilename }

        enum CodingKeys: String, CodingKey {
            case format
            case virtualSize = "virtual-size"
            case actualSize = "actual-size"
            case backingFilename = "backing-filename"
            case fullBackingFilename = "full-backing-filename"
            case snapshots
        }
    }

    /// An internal snapshot listed by `qemu-img info`.
    public struct InternalSnapshot: Decodable, Sendable, Equatable {
        public var name: String?
    }

    /// One image of a backing chain.
    public struct ChainImage: Sendable, Equatable {
        public let path: String
        public let info: Info
    }

    /// How long a command that copies image data (convert, rebase, commit) may run: as long as the data
    /// needs, so the runner's default limit does not apply; this only ends a qemu-img that hangs.
    public static let copyTimeLimit: Duration = .seconds(24 * 3600)

    /// A backing chain deeper than this is refused rather than followed (a loop or a hostile header).
    public static let backingChainLimit = 512

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

    /// The image and every file below it, top first, read one header at a time (so nothing is opened that
    /// `check` has not accepted): `check` sees each backing path before qemu-img reads it, and throws to stop.
    /// - Throws: `FileSystemError` for a chain that loops or passes `backingChainLimit`; what `check` throws.
    public func backingChain(_ path: String, check: (String) throws -> Void = { _ in }) async throws -> [ChainImage] {
        var chain: [ChainImage] = []
        var next: String? = path
        while let current = next {
            guard chain.count < Self.backingChainLimit, !chain.contains(where: { $0.path == current }) else {
                throw FileSystemError("follow the backing chain of", path,
                                      detail: "it loops or is deeper than \(Self.backingChainLimit) images at \(current)")
            }
            try check(current)
            let info = try await info(current)
            chain.append(ChainImage(path: current, info: info))
            next = info.backingPath
        }
        return chain
    }

    /// Writes `source` (read as `sourceFormat`, never probed) into a new standalone image of `format`.
    public func convert(_ source: String, sourceFormat: String, to destination: String, format: String = "qcow2") async throws {
        try Self.requireAbsolute(source)
        try Self.requireAbsolute(destination)
        try await runner.run("qemu-img", ["convert", "-f", sourceFormat, "-O", format, source, destination], timeout: Self.copyTimeLimit)
    }

    /// Makes `backing` the backing file of the qcow2 image `path`, copying into `path` whatever the images
    /// between them held so the guest sees the same data (safe mode); nil copies the whole chain in and
    /// leaves `path` standalone.
    public func rebase(_ path: String, onto backing: String?, backingFormat: String) async throws {
        try Self.requireAbsolute(path)
        if let backing { try Self.requireAbsolute(backing) }
        try await runner.run("qemu-img", ["rebase", "-f", "qcow2", "-F", backingFormat, "-b", backing ?? "", path],
                             timeout: Self.copyTimeLimit)
    }

    /// Writes the data of the qcow2 image `top` and of the images between it and `base` into `base`, which
    /// must be in `top`'s backing chain; `top` is left as it was.
    public func commit(_ top: String, into base: String) async throws {
        try Self.requireAbsolute(top)
        try Self.requireAbsolute(base)
        try await runner.run("qemu-img", ["commit", "-f", "qcow2", "-b", base, top], timeout: Self.copyTimeLimit)
    }

    /// Makes the qcow2 image `path` name `backing` as its backing file without reading either (unsafe mode):
    /// for images whose data already agrees, such as a chain copied to another host or another folder.
    public func rebaseHeader(_ path: String, onto backing: String, backingFormat: String) async throws {
        try Self.requireAbsolute(path)
        try Self.requireAbsolute(backing)
        try await runner.run("qemu-img", ["rebase", "-u", "-f", "qcow2", "-F", backingFormat, "-b", backing, path])
    }

    /// Grows an image to `size` bytes; `shrink` lets it get smaller (the guest loses what lies beyond).
    public func resize(_ path: String, to size: Int64, format: String? = nil, shrink: Bool = false) async throws {
        try Self.requireAbsolute(path)
        let options = (format.map { ["-f", $0] } ?? []) + (shrink ? ["--shrink"] : [])
        try await runner.run("qemu-img", ["resize"] + options + [path, String(size)])
    }

    /// The bytes a standalone qcow2 copy of the image (and its backing chain) needs (`qemu-img measure`'s
    /// `required`).
    public func measure(_ path: String, format: String) async throws -> Int64 {
        try Self.requireAbsolute(path)
        struct Measure: Decodable { let required: Int64 }
        let output = try await runner.run("qemu-img", ["measure", "--force-share", "--output=json", "-f", format, "-O", "qcow2", path],
                                          timeout: Self.copyTimeLimit)
        return try JSONDecoder().decode(Measure.self, from: Data(output.standardOutput)).required
    }

    /// The backing file named in a qcow2 header, read from the file itself as ZStack's agent does it
    /// (`qcow2_get_backing_file`): no qemu-img per file, for scans over a whole storage. Nil for a file that
    /// is not qcow2 or has no backing file.
    /// - Throws: `FileSystemError` when the file cannot be read.
    public static func headerBackingFile(_ path: String) throws(FileSystemError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw FileSystemError("read", path) }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 20)
        guard pread(fd, &header, header.count, 0) == header.count, header[0..<4] == [0x51, 0x46, 0x49, 0xfb] else { return nil }
        let offset = header[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let length = header[16..<20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        // qcow2 limits the name to 1023 bytes; anything longer is a damaged or hostile header.
        guard offset > 0, offset < UInt64(Int64.max), length > 0, length < 1024 else { return nil }
        var name = [UInt8](repeating: 0, count: Int(length))
        guard pread(fd, &name, name.count, off_t(offset)) == name.count else { throw FileSystemError("read the qcow2 header of", path) }
        return String(decoding: name, as: UTF8.self)
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
