import Deployer
import Foundation
import Synchronization

/// Prints a run's progress: every line as it happens, and on a terminal a live bar with the counts under
/// them (redrawn in place); plain lines only when the output is a file or a pipe.
final class ProgressPrinter: Sendable {
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private let lock = Mutex(())

    var observer: RunObserver {
        { [self] progress in self.show(progress) }
    }

    private func show(_ progress: RunProgress) {
        lock.withLock { _ in
            var text = progress.message + "\n"
            if isTerminal {
                let done = progress.deployed + progress.skipped + progress.failed
                let width = 30
                let filled = progress.total == 0 ? 0 : width * min(done, progress.total) / progress.total
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                text = "\r\u{1B}[2K" + text + "[\(bar)] \(done)/\(progress.total)  deployed \(progress.deployed)  "
                    + "skipped \(progress.skipped)  failed \(progress.failed)"
            }
            // Unbuffered, so that lines appear as they happen even when stdout is a pipe.
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    func finish() {
        if isTerminal { print("") }
    }
}

/// Prints the end of a run and turns its status into the exit code.
func conclude(_ details: RunDetails, json: Bool) throws {
    if json {
        print(try encodeJSON(details))
    } else {
        print("run \(details.run.id!) \(details.run.status.rawValue): \(details.run.message ?? "")")
        for batch in details.batches {
            print("  batch \(batch.number): \(batch.hosts.count) hosts, \(batch.deployed) deployed, \(batch.failed) failed")
        }
        for host in details.hosts where host.outcome == .failed {
            print("  FAILED \(host.address) [\(host.kind)]: \(host.error ?? host.reason ?? "")")
        }
    }
    if details.run.status != .succeeded { throw ExitCodeError.failed }
}

enum ExitCodeError: Error { case failed }

func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Runs a request with live progress and concludes it.
func runWithProgress(_ deployer: Deployer, _ request: RunRequest, json: Bool) async throws {
    let printer = ProgressPrinter()
    let details = try await deployer.run(request, trigger: "cli", observer: json ? nil : printer.observer)
    printer.finish()
    try conclude(details, json: json)
}
