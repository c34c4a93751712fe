import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// `bs_sftp_info.json` in the backup-storage path: one JSON image inventory per line, which lets the MN
/// rebuild its image records from the storage alone.
struct ImageMetaDataFile {
    static let name = "bs_sftp_info.json"

    let path: String

    init(directory: String) {
        path = directory + "/" + Self.name
    }

    var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// The non-empty lines; none when the file does not exist yet.
    func lines() throws -> [String] {
        guard exists else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SftpBackupStorageError("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// Replaces the content at once (temporary file + rename), so a reader never sees half a file.
    func write(_ lines: [String]) throws {
        try Files.writeAtomically(Array(lines.map { $0 + "\n" }.joined().utf8), to: path)
    }

    /// The inventories in `text` (JSON of one image or of a list), one compact JSON line each.
    static func inventories(in text: String?) throws -> [JSONValue] {
        guard let text, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            throw SftpBackupStorageError("imageMetaData must be the JSON of an image inventory or of a list of them")
        }
        switch value {
        case let .array(items): return items
        case .object: return [value]
        default: throw SftpBackupStorageError("imageMetaData must be a JSON object or list")
        }
    }

    static func line(_ inventory: JSONValue) throws -> String {
        String(decoding: try WireJSON.encode(inventory), as: UTF8.self)
    }

    /// The inventory's image uuid, or nil for a line that is not an inventory.
    static func imageUuid(ofLine line: String) -> String? {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)))?["uuid"]?.stringValue
    }
}
