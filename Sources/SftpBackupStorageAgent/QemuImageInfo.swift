import Foundation
import HostSystem

/// What `qemu-img info --output=json` says of an image file.
struct QemuImageInfo: Sendable, Equatable {
    /// `qcow2`, `raw`, `iso`-as-`raw`, ...
    let format: String
    /// Bytes the guest sees.
    let virtualSize: Int64

    private struct Wire: Decodable {
        let format: String?
        let virtualSize: Int64?

        enum CodingKeys: String, CodingKey {
            case format
            case virtualSize = "virtual-size"
        }
    }

    /// Reads the image header. The path is absolute (checked by `StorageRoot`), so qemu-img can neither
    /// take it for an option nor for a `protocol:` name; `info` does not open backing files.
    static func read(_ path: String) async throws -> QemuImageInfo {
        guard path.hasPrefix("/") else { throw SftpBackupStorageError("qemu-img needs an absolute path, got \(path)") }
        let output = try await ProcessRunner().run("qemu-img", ["info", "--output=json", path])
        return try parse(Data(output.standardOutput), path: path)
    }

    static func parse(_ json: Data, path: String) throws -> QemuImageInfo {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: json), let virtualSize = wire.virtualSize else {
            throw SftpBackupStorageError("qemu-img info \(path) printed no virtual size")
        }
        return QemuImageInfo(format: wire.format ?? "raw", virtualSize: virtualSize)
    }
}
