#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// A volume's image files as the snapshot commands see them: every path a command names, and every backing
/// file a header names, must be one `VolumePathPolicy` permits; new images never replace a file.
struct VolumeImages: Sendable {
    let qemuImg: QemuImg
    let paths: VolumePathPolicy

    /// ZStack's limit (`ensure_delta_snapshot_not_exceed`, ZSTAC-67846): deeper chains make qemu's
    /// `query-block` fail, so no delta snapshot may make a chain reach it.
    static let chainLengthLimit = 121

    /// A path the command names that must hold an image already.
    func existing(_ path: String?, _ field: String) throws -> String {
        let path = try permitted(path, field)
        guard Files.exists(path) else { throw KVMAgentError(.volumeSnapshot, "\(field) \(path) does not exist on this host") }
        return path
    }

    /// A path for a new image: a regular file there is refused, since qemu-img would truncate it (it may be
    /// an image of the chain); an existing block device (a pre-created logical volume) is used, as ZStack's
    /// agent does.
    func newImage(_ path: String?, _ field: String) throws -> String {
        let path = try permitted(path, field)
        switch Files.kind(path) {
        case nil: return path
        case .other where path.hasPrefix("/dev/"): return path
        default: throw KVMAgentError(.volumeSnapshot, "\(field) \(path) already exists; not overwriting it")
        }
    }

    /// Runs `make`, which creates the image `path`, after making its missing folders; when it fails, the
    /// partial image and the folders are removed again (a block device that was there is left alone).
    func creating<T>(_ path: String, _ make: () async throws -> T) async throws -> T {
        let existed = Files.exists(path)
        let folders = try Files.makeDirectoriesReportingCreated(Files.parentDirectory(of: path))
        do {
            return try await make()
        } catch {
            if !existed { _ = try? Files.removeFile(path) }
            Files.removeDirectoriesIfEmpty(folders)
            throw error
        }
    }

    /// Where the volume's new top image goes when the MN names none: beside the snapshot, as ZStack does.
    func defaultNewImage(beside snapshot: String) -> String {
        Files.parentDirectory(of: snapshot) + "/" + UUID().uuidString.lowercased().replacing("-", with: "") + ".qcow2"
    }

    /// The image and the files below it, top first; a backing file outside the storage roots is refused and
    /// not read.
    func chain(_ top: String) async throws -> [QemuImg.ChainImage] {
        try await qemuImg.backingChain(top) { path in
            guard paths.permits(path) else {
                throw KVMAgentError(.volumeSnapshot, "the backing chain of \(top) leads to \(path), outside the storage roots this agent serves (\(paths.roots))")
            }
        }
    }

    /// Refuses a chain holding internal snapshots, which an external snapshot would strand
    /// (`ensure_no_internal_snapshot`).
    func refuseInternalSnapshots(_ chain: [QemuImg.ChainImage]) throws {
        guard let inner = chain.first(where: { !($0.info.snapshots ?? []).isEmpty }) else { return }
        let names = (inner.info.snapshots ?? []).map { $0.name ?? "?" }.joined(separator: ", ")
        throw KVMAgentError(.volumeSnapshot, "found internal snapshots (\(names)) in \(inner.path), in the backing chain of volume \(chain[0].path)")
    }

    /// Refuses `base` unless it lies below the top of `chain`.
    func requireBelowTop(_ base: String, _ field: String, in chain: [QemuImg.ChainImage]) throws -> QemuImg.ChainImage {
        guard let image = chain.dropFirst().first(where: { $0.path == base }) else {
            let below = chain.dropFirst().map(\.path)
            throw KVMAgentError(.volumeSnapshot, "\(field) \(base) is not in the backing chain of \(chain[0].path) "
                + "(below it: \(below.isEmpty ? "nothing" : below.joined(separator: ", ")))")
        }
        return image
    }

    /// Refuses a delta snapshot on a chain already at ZStack's limit.
    func checkRoomForDelta(_ chain: [QemuImg.ChainImage]) throws {
        guard chain.count >= Self.chainLengthLimit else { return }
        throw KVMAgentError(.volumeSnapshot, "the chain length of qcow2 \(chain.first?.path ?? "") has reached the maximum length "
            + "\(Self.chainLengthLimit). Set the global config 'incrementalSnapshot.maxNum' lower so that the next snapshot is a "
            + "full one, or delete some incremental snapshots")
    }

    /// What ZStack reports as a snapshot's size: the bytes a qcow2 image occupies, or the virtual size of
    /// a raw image or block device (or of an image that occupies nothing yet, since the MN refuses 0).
    func size(of path: String) async throws -> Int64 {
        let info = try await qemuImg.info(path)
        if info.format == "qcow2", let actual = info.actualSize, actual > 0 { return actual }
        return info.virtualSize
    }

    func permitted(_ path: String?, _ field: String) throws -> String {
        guard let path, !path.isEmpty else { throw KVMAgentError(.volumeSnapshot, "\(field) is missing") }
        guard paths.permits(path) else {
            throw KVMAgentError(.volumeSnapshot, "\(field) '\(path)' is outside the storage roots this agent serves (\(paths.roots)) and is not a block device it may use")
        }
        return path
    }
}
