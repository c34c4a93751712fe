import Foundation

/// Writes rendered files atomically (temporary file + rename) so a daemon reloading at the same moment
/// reads either the old or the new content, never half of one. Files are 0644: dnsmasq and haproxy
/// read them after dropping privileges.
enum FileWriter {
    /// Writes when the content differs; returns whether it did.
    @discardableResult
    static func write(_ content: String, to path: String) throws -> Bool {
        if read(path) == content { return false }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        return true
    }

    /// Creates an empty file when none exists (dnsmasq refuses to start without its lease file's dir).
    static func write(_ content: String, toMissing path: String) {
        if !FileManager.default.fileExists(atPath: path) { _ = try? write(content, to: path) }
    }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
