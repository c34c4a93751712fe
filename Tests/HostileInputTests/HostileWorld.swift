import Foundation

/// The files around one agent under fuzzing: its own roots (storage, state, import), a canary directory
/// outside them that hostile paths aim at, and a working directory for relative paths such as
/// `../../etc/passwd`. `verify()` compares the world with how it was made.
struct HostileWorld: Sendable {
    /// Everything of this run, under /tmp, removed by `remove()`.
    let scratch: String
    /// Outside every root the agent is given; must stay byte-for-byte as created.
    let canary: String
    /// The agent's storage root (`--storage-root`).
    let storageRoot: String
    /// The agent's working directory, two levels down so `../../x` stays inside `scratch/cwd`.
    let workingDirectory: String
    /// A name no one else uses: a file named with it anywhere means a hostile path was followed.
    let marker: String

    static let canaryFiles: [String: [UInt8]] = [
        "victim.qcow2": Array("QFI\u{fb} canary image, must not change\n".utf8),
        "passwd": Array("root:x:0:0:canary:/root:/bin/sh\n".utf8),
        "nested/dir/meta_data.json": Array(#"{"canary":true}"#.utf8),
    ]

    /// Places a hostile path could land in that the agent has no business writing to.
    static let watchedDirectories = ["/tmp", "/etc", "/etc/cron.d", "/root", "/"]

    init(label: String) throws {
        let id = "\(getpid())-\(label)"
        scratch = "/tmp/hfz-\(id)"
        canary = "/tmp/hfz-canary-\(id)"
        storageRoot = scratch + "/root"
        workingDirectory = scratch + "/cwd/a/b"
        marker = "hfzmark-\(id)"
        let files = FileManager.default
        try? files.removeItem(atPath: scratch)
        try? files.removeItem(atPath: canary)
        for directory in [storageRoot, workingDirectory] {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for (name, bytes) in Self.canaryFiles {
            let path = canary + "/" + name
            try files.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    func directory(_ name: String) throws -> String {
        let path = scratch + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// What differs from the world as created; empty when nothing escaped.
    func verify() -> [String] {
        var problems: [String] = []
        let files = FileManager.default
        let present = Set(files.enumerator(atPath: canary)?.allObjects.compactMap { $0 as? String } ?? [])
        let expected = Set(Self.canaryFiles.keys.flatMap { name in
            // Every prefix directory of a canary file is expected too.
            let parts = name.split(separator: "/")
            return (1...parts.count).map { parts.prefix($0).joined(separator: "/") }
        })
        for extra in present.subtracting(expected).sorted() { problems.append("canary: new entry \(canary)/\(extra)") }
        for (name, bytes) in Self.canaryFiles where files.contents(atPath: canary + "/" + name).map(Array.init) != bytes {
            problems.append("canary: \(canary)/\(name) was changed or removed")
        }
        let cwdEntries = files.enumerator(atPath: scratch + "/cwd")?.allObjects.compactMap { $0 as? String } ?? []
        for extra in cwdEntries where !["a", "a/b"].contains(extra) {
            problems.append("working directory: \(scratch)/cwd/\(extra) appeared (a relative path was followed)")
        }
        for directory in Self.watchedDirectories {
            for entry in (try? files.contentsOfDirectory(atPath: directory)) ?? [] where entry.contains("hfzmark") {
                problems.append("\(directory)/\(entry) appeared")
            }
        }
        return problems
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: scratch)
        try? FileManager.default.removeItem(atPath: canary)
    }
}
