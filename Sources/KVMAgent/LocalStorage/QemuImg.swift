import HostSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `qemu-img` with argv: create qcow2 volumes (empty or on a backing file), read their sizes, grow them.
struct QemuImg: Sendable {
    /// What `qemu-img info --output=json` says about an image; only the fields the agent reads.
    struct Info: Decodable, Sendable, Equatable {
        var format: String
        /// Bytes the guest sees.
        var virtualSize: Int64
        /// Bytes the image occupies on disk.
        var actualSize: Int64?
        var backingFilename: String?

        enum CodingKeys: String, CodingKey {
            case format
            case virtualSize = "virtual-size"
            case actualSize = "actual-size"
            case backingFilename = "backing-filename"
        }
    }

    let runner: ProcessRunner

    /// Reads an image's header. `--force-share` lets it read images a running VM holds open.
    func info(_ path: String) async throws -> Info {
        let output = try await runner.run("qemu-img", ["info", "--force-share", "--output=json", path])
        return try JSONDecoder().decode(Info.self, from: Data(output.standardOutput))
    }

    /// Creates an empty qcow2 image of `size` bytes.
    func create(_ path: String, size: Int64) async throws {
        try await runner.run("qemu-img", ["create", "-f", "qcow2", path, String(size)])
    }

    /// Creates a qcow2 image whose reads fall through to `backing` (written into the header as given, so
    /// pass an absolute path); its virtual size is the backing file's.
    func create(_ path: String, backing: String, backingFormat: String) async throws {
        try await runner.run("qemu-img", ["create", "-f", "qcow2", "-F", backingFormat, "-b", backing, path])
    }

    /// Grows (never shrinks) an image to `size` bytes.
    func resize(_ path: String, to size: Int64) async throws {
        try await runner.run("qemu-img", ["resize", path, String(size)])
    }
}
