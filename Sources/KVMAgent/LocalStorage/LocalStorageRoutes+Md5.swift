import AgentServer
import AgentWire
import HostSystem

/// The MD5 steps of a volume migration between hosts: `/getmd5` on the source host, `/checkmd5` on the
/// destination after the copy. Both report progress as a migration step (`migrationProgress`).
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
        _ command: KVM.Md5Cmd, defaultStage: (start: Int, end: Int), _ context: CommandContext,
        _ result: (KVM.Md5TO, String) throws -> T
    ) async throws -> [T] {
        let files = try (command.md5s ?? []).map { file in (file, try existingImage(file.path, field: "md5s.path")) }
        let stage = try Self.stage(command.stage) ?? defaultStage
        let total = try files.reduce(Int64(0)) { try $0 + Files.size($1.1) }
        let progress = migrationProgress(volumeUuid: command.volumeUuid, threadContext: command.threadContext,
                                         threadContextStack: command.threadContextStack, context)
        let percent = { @Sendable (done: Int64) in Self.percent(done, of: total, in: stage) }
        return try await progress.reporting {
            progress.update(stage.start)
            var results: [T] = []
            var done: Int64 = 0
            for (file, path) in files {
                let md5 = try await FileDigest.md5(ofFileAt: path) { progress.update(percent(done + $0)) }
                results.append(try result(file, md5))
                done += try Files.size(path)
                progress.update(percent(done))
            }
            progress.update(stage.end)
            return results
        }
    }
}
