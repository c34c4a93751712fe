import Foundation
import TestSupport
import Testing

/// qcow2 chains for the snapshot tests, made and read back with the real `qemu-img` and `qemu-io`: data is
/// written as 64 KiB blocks of one byte value, so a test can tell which image a block came from and check
/// that a merge or commit really moved it.
enum ImageChain {
    static let block = 65536

    /// A 16 MiB qcow2 image, on `backing` when given; missing folders are made.
    static func create(_ path: String, backing: String? = nil) async throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let onBacking = backing.map { ["-F", "qcow2", "-b", $0] } ?? []
        try await Program.check(["qemu-img", "create", "-q", "-f", "qcow2"] + onBacking + [path, "16M"])
    }

    /// A chain made in one go, bottom first; block `i` of image `i` holds the byte `0x11 * (i + 1)`.
    static func create(_ paths: [String]) async throws {
        for (index, path) in paths.enumerated() {
            try await create(path, backing: index == 0 ? nil : paths[index - 1])
            try await write(path, byte: pattern(index), block: index)
        }
    }

    static func pattern(_ index: Int) -> UInt8 { UInt8(0x11 * (index + 1)) }

    static func write(_ path: String, byte: UInt8, block index: Int) async throws {
        try await Program.check(["qemu-io", "-f", "qcow2", "-c", "write -P \(byte) \(index * block) \(block)", path])
    }

    /// Whether the guest reading `path` (through its backing files) sees `byte` in block `index`.
    static func reads(_ path: String, byte: UInt8, block index: Int) async throws -> Bool {
        let result = try await Program.run(["qemu-io", "-r", "-f", "qcow2", "-c", "read -P \(byte) \(index * block) \(block)", path])
        return result.status == 0 && !result.output.contains("verification failed") && !result.errorOutput.contains("verification failed")
    }

    /// The files qemu opens for `path`, top first (`qemu-img info --backing-chain`).
    static func backingChain(_ path: String) async throws -> [String] {
        let json = try await Program.output(["qemu-img", "info", "--backing-chain", "--output=json", path])
        let images = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        return images.compactMap { $0["filename"] as? String }
    }

    /// What `qemu-img info` says about the image itself.
    static func info(_ path: String) async throws -> [String: Any] {
        let json = try await Program.output(["qemu-img", "info", "--output=json", path])
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// The bytes the image occupies, which the agent reports as a snapshot's size.
    static func actualSize(_ path: String) async throws -> Int64? {
        (try await info(path)["actual-size"] as? NSNumber)?.int64Value
    }
}
