import Foundation
import Synchronization

// Stand-in until the HostSystem module's ProcessRunner lands on main; swap it out then.

/// What a finished program left behind.
struct ProgramOutput: Sendable {
    let status: Int32
    let stdout: Data
    let stderr: Data
}

/// Runs `argv` (no shell) off the cooperative pool and collects its output.
func runProgram(_ argv: [String]) async throws -> ProgramOutput {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: SftpBackupStorageError("cannot run \(argv[0]): \(error.localizedDescription)"))
                return
            }
            // Drain stderr concurrently so a chatty program cannot block on a full pipe.
            let errors = Mutex(Data())
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) {
                let data = err.fileHandleForReading.readDataToEndOfFile()
                errors.withLock { $0 = data }
            }
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            continuation.resume(returning: ProgramOutput(
                status: process.terminationStatus, stdout: stdout, stderr: errors.withLock { $0 }))
        }
    }
}
