import AgentWire
import HostSystem
import Libvirt
import Synchronization

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import XML

/// What the previous `/vm/volumesync` found unused, per storage path.
final class VolumeSyncHistory: Sendable {
    private let last = Mutex<[String: Set<String>]>([:])

    /// Records this sync's findings and answers those the previous sync had found too.
    func recordAndRepeat(_ current: [String: Set<String>]) -> [String: Set<String>] {
        last.withLock { last in
            var repeated: [String: Set<String>] = [:]
            for (url, paths) in current {
                let twice = paths.intersection(last[url] ?? [])
                if !twice.isEmpty { repeated[url] = twice }
            }
            last = current
            return repeated
        }
    }
}

extension VMService {
    /// `/vm/volumesync`: for each `file://` storage path (a directory, a file prefix, or a glob), the volume
    /// files no running domain uses, reported only when the previous sync found them unused too, as the
    /// Python agent does, so a volume being created between two syncs is not reported as leaked. Paths
    /// outside the storage roots are refused; other protocols have nothing to report.
    public func volumeSync(_ command: KVM.VolumeSyncCmd) async throws -> KVM.VolumeSyncRsp {
        let urls = command.storagePaths ?? []
        for url in urls where url.hasPrefix("file://") {
            let directory = Self.directory(of: String(url.dropFirst("file://".count)))
            guard volumePaths.roots.permits(directory) else {
                throw KVMAgentError(.vm, "storagePaths entry '\(url)' is outside the storage roots this agent serves (\(volumePaths.roots))")
            }
        }
        let active = try await pathsInUse()
        var current: [String: Set<String>] = [:]
        for url in urls {
            current[url] = url.hasPrefix("file://") ? try Self.files(matching: String(url.dropFirst("file://".count))).subtracting(active) : []
        }
        let repeated = volumeSyncHistory.recordAndRepeat(current)
        return KVM.VolumeSyncRsp(inactiveVolumePaths: repeated.mapValues { $0.sorted() })
    }

    /// Every file or device any running domain reads, backing files included.
    private func pathsInUse() async throws -> Set<String> {
        var paths: Set<String> = []
        for summary in try await connection.allDomains() where KvmVmState(summary.state.state) != .shutdown {
            guard let domain = try await connection.domain(uuid: summary.uuid) else { continue }
            defer { domain.close() }
            guard let xml = try? await domain.xml(secure: false) else { continue }  // gone meanwhile
            let document = try XMLTree(parsing: xml)
            for node in try document.nodes("/domain/devices/disk//source/@file | /domain/devices/disk//source/@dev") {
                if let path = node.stringValue { paths.insert(path) }
            }
        }
        return paths
    }

    private static func directory(of path: String) -> String {
        Files.kind(path) == .directory ? path : Files.parentDirectory(of: path)
    }

    /// The files a storage path names: a directory's entries, or, in its directory, the entries matching its
    /// last component (a glob, or a prefix when it has no `*`).
    static func files(matching path: String) throws -> Set<String> {
        let directory = directory(of: path)
        let name = directory == path ? "" : String(path.split(separator: "/").last ?? "")
        let pattern = name.contains("*") ? name : name + "*"
        guard Files.kind(directory) == .directory else { return [] }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return Set(try Files.directoryEntries(directory).filter { fnmatch(pattern, $0, 0) == 0 }.map { base + $0 })
    }
}
