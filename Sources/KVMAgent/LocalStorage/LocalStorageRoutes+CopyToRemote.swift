import AgentServer
import AgentWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// `/localstorage/copytoremote`: a volume migration's copy of volumes, snapshots or a base image with their
/// backing chains to another KVM host, at the same absolute paths (`copy_bits_to_remote`, which runs rsync
/// per file). Every file is confined here as every local-storage path is, backing files included, and so
/// is every destination path, being the same path; nothing is sent before all of them pass.
extension LocalStorageRoutes {
    func copyToRemote(_ command: KVM.CopyBitsFromRemoteCmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        let endpoint = try SftpImageTransfer.Endpoint(dstIp: command.dstIp, port: command.dstPort,
                                                      username: command.dstUsername, password: command.dstPassword)
        guard let paths = command.paths, !paths.isEmpty else { throw KVMAgentError(.localStorage, "paths is missing or empty") }
        let (files, root) = try await hostCopyFiles(paths)
        let stage = try Self.stage(command.stage) ?? (10, 90)
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        let progress = migrationProgress(volumeUuid: command.volumeUuid, threadContext: command.threadContext,
                                         threadContextStack: command.threadContextStack, context)
        let what = "copy of \(paths.joined(separator: ", ")) to \(endpoint.describe("/"))"
        try await progress.reporting {
            progress.update(stage.start)
            try await jobs.run(apiID: LocalStorageJobs.apiID(command.threadContext), target: endpoint.describe(paths[0]), what) { _ in
                try await sftp.copy(files, to: endpoint) { progress.update(Self.percent($0, of: total, in: stage)) }
            }
            progress.update(stage.end)
        }
        return try capacity(of: storagePath(command.storagePath, root: root))
    }

    /// Each path's chain, backing files first (a copied volume never stands on a file not there yet), each
    /// file once (volumes on one base image share it); and the root of the first path, for the capacity.
    private func hostCopyFiles(_ paths: [String]) async throws -> ([SftpImageTransfer.HostCopyFile], ConfinedRoot) {
        var files: [SftpImageTransfer.HostCopyFile] = []
        var seen = Set<String>()
        var firstRoot: ConfinedRoot?
        for path in paths {
            let chain = try await confinedChain(path, field: "paths")
            for (index, image) in chain.enumerated().reversed() {
                let (local, root) = try roots.resolve(image.path, field: "paths")
                firstRoot = firstRoot ?? root
                guard seen.insert(local).inserted else { continue }
                // The path as the MN (the top) or the header above (a backing file) names it, not the
                // canonical one here: on the destination the copied headers must find their backing files
                // under those very names.
                let remote = index == 0 ? path : image.path
                files.append(.init(local: local, remote: remote, size: try Files.size(local),
                                    mode: UInt32(try Files.permissions(local))))
            }
        }
        guard let firstRoot else { throw KVMAgentError(.localStorage, "paths is missing or empty") }
        return (files, firstRoot)
    }
}
