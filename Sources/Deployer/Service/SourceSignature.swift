import Foundation

/// A cheap fingerprint of the release sources (every file's path, size and modification time), polled to
/// notice new tarballs, playbooks or extensions without reading them.
struct SourceSignature: Equatable, Sendable {
    private var entries: [String]

    init(_ sources: ReleaseSources) {
        var entries: [String] = []
        for directory in [sources.packageDirectory, sources.playbookDirectory] + [sources.extensionsDirectory].compactMap({ $0 }) {
            guard let files = try? ReleaseLoader.files(under: directory) else {
                entries.append("\(directory): missing")
                continue
            }
            for file in files {
                let path = directory + "/" + file
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                entries.append("\(path) \(size) \(modified)")
            }
        }
        self.entries = entries
    }
}
