import AgentWire
import Foundation
import HostSystem

#if canImport(Glibc)
import Glibc
#endif

/// This process's `AgentManifest`: hashed once, in a task of its own started with the server (never on an
/// event loop: the executable is tens of MiB), and awaited by the first request that asks.
struct ProcessManifest: Sendable {
    private let hashed: Task<AgentManifest, Never>
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
        hashed = Task.detached(priority: .utility) {
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
        var manifest = await hashed.value
        manifest.executableReplaced = executable.map { FileIdentity(of: $0) != running } ?? false
        return manifest
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
