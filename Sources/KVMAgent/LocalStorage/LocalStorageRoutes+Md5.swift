import AgentServer
import AgentWire
import HostSystem

/// The MD5 steps of a volume migration between hosts: `/getmd5` on the source host, `/checkmd5` on the
/// destination after the copy. Both report progress as ZStack's agent does (process type
/// `LocalStorageMigrateVolume`, the volume as the resource), scaled into the share of the API the MN names
/// in `stage` (`"10-90"`), since the MN stores a report as the whole API's progress.
extension LocalStorageRoutes {
    /// `/getmd5`: each file's MD5, in the command's order; reports from the stage's start (default 0-10).
    func getMd5(_ command: KVM.Md5Cmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        var reply = KVM.LocalStorageResponse()
        reply.md5s = try await hashing(command, defaultStage: (0, 10), context) { file, md5 in
            KVM.Md5TO(resourceUuid: file.resourceUuid, path: file.path, md5: md5)
        }
        return reply
    }

    /// `/checkmd5`: each file's MD5 must be the one the source host reported (default stage 90-100).
    func checkMd5(_ command: KVM.Md5Cmd, _ context: CommandContext) async throws -> KVM.LocalStorageResponse {
        _ = try await hashing(command, defaultStage: (90, 100), context) { file, md5 in
            guard md5 == file.md5 else {
                throw KVMAgentError(.localStorage, "MD5 unmatch. The file[uuid:\(file.resourceUuid ?? ""), path:\(file.path ?? "")]'s md5 "
                    + "(src host:\(file.md5 ?? ""), dst host:\(md5))")
            }
        }
        return KVM.LocalStorageResponse()
    }

    /// Hashes the command's files in order, reporting progress by bytes over the stage, and hands each
    /// file with its MD5 to `result`.
    private func hashing<T: Sendable>(
        _ command: KVM.Md5Cmd, defaultStage: (Int, Int), _ context: CommandContext,
        _ result: (KVM.Md5TO, String) throws -> T
    ) async throws -> [T] {
        let files = try (command.md5s ?? []).map { file in (file, try existingImage(file.path, field: "md5s.path")) }
        let (start, end) = try Self.stage(command.stage) ?? defaultStage
        let total = try files.reduce(Int64(0)) { try $0 + Files.size($1.1) }
        let progress = ProgressReporter(template: command.threadContext.map {
            ProgressReportCmd(processType: "LocalStorageMigrateVolume", resourceUuid: command.volumeUuid,
                              threadContextMap: $0, threadContextStack: command.threadContextStack)
        }, events: context.events, logger: context.logger)
        let percent = { @Sendable (done: Int64) in
            start + Int((Double(done) / Double(max(total, 1)) * Double(end - start)).rounded())
        }
        return try await progress.reporting {
            progress.update(start)
            var results: [T] = []
            var done: Int64 = 0
            for (file, path) in files {
                let md5 = try await FileDigest.md5(ofFileAt: path) { progress.update(percent(done + $0)) }
                results.append(try result(file, md5))
                done += try Files.size(path)
                progress.update(percent(done))
            }
            progress.update(end)
            return results
        }
    }

    /// `"start-end"` as zstacklib's `get_scale` reads it; nil when the MN sent none.
    static func stage(_ stage: String?) throws -> (Int, Int)? {
        guard let stage, !stage.isEmpty else { return nil }
        let bounds = stage.split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, 0 <= bounds[0], bounds[0] <= bounds[1], bounds[1] <= 100 else {
            throw KVMAgentError(.localStorage, "stage '\(stage)' is not a range of percentages such as 10-90")
        }
        return (bounds[0], bounds[1])
    }
}
