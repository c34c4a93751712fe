import AgentWire
import Foundation
import HostSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// This process's `AgentManifest`: hashed once, in a task of its own (never on an event loop: the executable is
/// tens of MiB) that the first request asking for it starts; every later one reads the same answer.
///
/// Not at start: hashing 60 MiB costs about 0.1 s of CPU, and the 50 agents of a fresh deploy all start on
/// hosts that are busy unpacking (the deployer asks for manifests only in later passes). Hashing later says
/// the same thing: the executable is read through `/proc/self/exe`, which is the running image even once its
/// path names another file, and the init script and tarball are files on disk, which the deployer's SSH check
/// would read as they are then too.
struct ProcessManifest: Sendable {
    private let hashing: Hashing
    /// The executable's path as the kernel resolved it at start, and the file (device, inode) it named.
    private let executable: String?
    private let running: FileIdentity?

    /// - Parameters:
    ///   - executable: the path the process was started from, links resolved (see `AgentVersion.ofThisProcess`).
    ///   - image: the file holding what runs; `/proc/self/exe` reads it even after its path was replaced.
    init(executable: String? = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
         image: String = "/proc/self/exe") {
        self.executable = executable
        running = FileIdentity(of: image)
        hashing = Hashing {
            let version = AgentVersion.ofThisProcess(executable: executable)
            var initScript: String?, tarball: String?
            if let executable, version.version != AgentVersion.unknown {
                // <home>/<agent>-<version>/bin/zstack-<agent>: the layout of Packaging/package.sh and the playbooks.
                let release = URL(filePath: executable).deletingLastPathComponent().deletingLastPathComponent()
                let name = URL(filePath: executable).lastPathComponent
                initScript = try? await FileDigest.md5(ofFileAt: release.appending(path: "init.d/\(name)").path)
                tarball = try? await FileDigest.md5(ofFileAt: release.deletingLastPathComponent()
                    .appending(path: "package/\(release.lastPathComponent).tar.gz").path)
            }
            return AgentManifest(agent: version.agent, version: version.version,
                                 executableMD5: try? await FileDigest.md5(ofFileAt: image),
                                 initScriptMD5: initScript, tarballMD5: tarball)
        }
    }

    func current() async -> AgentManifest {
        var manifest = await hashing.value
        manifest.executableReplaced = executable.map { FileIdentity(of: $0) != running } ?? false
        return manifest
    }
}

/// The hash, started by whoever asks first.
private final class Hashing: Sendable {
    private let work: @Sendable () async -> AgentManifest
    private let task = Mutex<Task<AgentManifest, Never>?>(nil)

    init(_ work: @escaping @Sendable () async -> AgentManifest) {
        self.work = work
    }

    var value: AgentManifest {
        get async {
            let started = task.withLock { task in
                if let task { return task }
                let work = work
                let started = Task.detached(priority: .utility) { await work() }
                task = started
                return started
            }
            return await started.value
        }
    }
}

/// Which file a path names now: a file replaced by a rename has another inode.
private struct FileIdentity: Equatable {
    let device: UInt64
    let inode: UInt64

    init?(of path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
