import AgentWire
import Foundation
import HostSystem
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// This process's `AgentManifest`: hashed once, on a thread of its own at the lowest CPU priority (never on an
/// event loop or a pool thread: the executable is tens of MiB), started as soon as the server listens; a
/// request that comes earlier starts it itself and waits, and every request reads the same answer.
///
/// At start rather than on the first request: the deployer asks every agent of a fleet at once, and a first
/// answer that has to hash ~55 MiB (executable and tarball, 0.1–0.2 s of CPU) first can miss the deployer's
/// probe timeout on a busy host and cost that host an SSH check. At nice 19, because on a KVM host that CPU
/// belongs to the VMs, and right after a deploy to whatever else the host is finishing. What it reads cannot
/// drift: the executable is read through `/proc/self/exe`, which is the running image even once its path
/// names another file, and the init script and tarball are read as the release left them.
///
/// Outside a release the hash waits for the first request (see `startHashing`).
struct ProcessManifest: Sendable {
    private let hashing: Hashing
    /// Whether the process runs from a release (`<agent>-<version>/bin/`), the only kind a deployer compares.
    private let isRelease: Bool
    /// The executable's path as the kernel resolved it at start, and the file (device, inode) it named.
    private let executable: String?
    private let running: FileIdentity?

    /// - Parameters:
    ///   - executable: the path the process was started from, links resolved (see `AgentVersion.ofThisProcess`).
    ///   - image: the file holding what runs; `/proc/self/exe` reads it even after its path was replaced.
    ///   - logger: hears the manifest once it is hashed (the line operators compare with what they shipped).
    init(executable: String? = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
         image: String = "/proc/self/exe", logger: Logger) {
        self.executable = executable
        running = FileIdentity(of: image)
        let version = AgentVersion.ofThisProcess(executable: executable)
        isRelease = executable != nil && version.version != AgentVersion.unknown
        hashing = Hashing { [isRelease] in
            var initScript: String?, tarball: String?
            if let executable, isRelease {
                // <home>/<agent>-<version>/bin/zstack-<agent>: the layout of Packaging/package.sh and the playbooks.
                let release = URL(filePath: executable).deletingLastPathComponent().deletingLastPathComponent()
                let name = URL(filePath: executable).lastPathComponent
                initScript = try? FileDigest.md5Blocking(ofFileAt: release.appending(path: "init.d/\(name)").path)
                tarball = try? FileDigest.md5Blocking(ofFileAt: release.deletingLastPathComponent()
                    .appending(path: "package/\(release.lastPathComponent).tar.gz").path)
            }
            let manifest = AgentManifest(agent: version.agent, version: version.version,
                                         executableMD5: try? FileDigest.md5Blocking(ofFileAt: image),
                                         initScriptMD5: initScript, tarballMD5: tarball)
            logger.info("agent manifest hashed", metadata: [
                "version": "\(manifest.version)",
                "executable_md5": "\(manifest.executableMD5 ?? "unreadable")",
                "init_script_md5": "\(manifest.initScriptMD5 ?? "none")",
                "tarball_md5": "\(manifest.tarballMD5 ?? "none")",
            ])
            return manifest
        }
    }

    /// Starts the hash of a release unless a request already did. Outside a release (a development run, the
    /// tests' in-process servers) no deployer compares the answer, so only a request pays for it.
    func startHashing() {
        if isRelease { hashing.start() }
    }

    func current() async -> AgentManifest {
        var manifest = await hashing.value
        manifest.executableReplaced = executable.map { FileIdentity(of: $0) != running } ?? false
        return manifest
    }
}

/// The hash, started once (by the server when it listens, or by a request that comes first) on its own thread;
/// requests that come before it is done wait for it.
private final class Hashing: Sendable {
    private enum State {
        case notStarted
        case hashing(waiting: [CheckedContinuation<AgentManifest, Never>])
        case done(AgentManifest)
    }

    private let work: @Sendable () -> AgentManifest
    private let state = Mutex(State.notStarted)

    init(_ work: @escaping @Sendable () -> AgentManifest) {
        self.work = work
    }

    func start() {
        let first = state.withLock { state in
            guard case .notStarted = state else { return false }
            state = .hashing(waiting: [])
            return true
        }
        guard first else { return }
        DedicatedThread.start(name: "manifest-hash", niceness: 19) { [self] in
            let manifest = work()
            let waiting = state.withLock { state -> [CheckedContinuation<AgentManifest, Never>] in
                defer { state = .done(manifest) }
                guard case .hashing(let waiting) = state else { return [] }
                return waiting
            }
            for request in waiting { request.resume(returning: manifest) }
        }
    }

    var value: AgentManifest {
        get async {
            start()
            return await withCheckedContinuation { request in
                let done: AgentManifest? = state.withLock { state in
                    switch state {
                    case .done(let manifest):
                        return manifest
                    case .hashing(var waiting):
                        waiting.append(request)
                        state = .hashing(waiting: waiting)
                        return nil
                    case .notStarted:
                        preconditionFailure("start() leaves the hash started")
                    }
                }
                if let done { request.resume(returning: done) }
            }
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
