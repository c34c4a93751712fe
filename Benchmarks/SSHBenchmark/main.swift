// SFTP download throughput of the SSH module against OpenSSH's `scp`, same file, same loopback sshd.
//
//   swift run -c release SSHBenchmark [MiB]     (default 512 MiB; needs root, like scripts/test-host)
//
// Prints both throughputs and the ratio. OpenSSH 9's scp itself speaks SFTP, so this compares the two
// clients (libssh + the module's pipelined SFTP vs OpenSSH), not the protocols.
import Foundation
import SSH

let mebibytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 512
let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let testHost = root + "/scripts/test-host"

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs argv and returns its stdout.
@discardableResult
func run(_ argv: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(filePath: argv[0])
    process.arguments = Array(argv.dropFirst())
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchmarkFailure(description: "\(argv[0]) failed") }
    return String(decoding: data, as: UTF8.self)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Measures both clients on a test host that the caller starts and stops.
func benchmark(info: [String: String]) async throws {
    guard let address = info["ADDRESS"], let port = info["PORT"], let key = info["KEY"], let dir = info["DIR"],
        let fingerprint = info["HOST_KEY_FINGERPRINT"]
    else { throw BenchmarkFailure(description: "test-host printed incomplete info: \(info)") }

    let remote = dir + "/root/benchmark.img"
    let scratch = NSTemporaryDirectory() + "ssh-benchmark-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }

    let session = try await SSHClient().connect(
        host: address, port: Int(port) ?? 0, credential: .privateKey(user: "root", key: .file(path: key)),
        hostKey: .pinned(fingerprint: fingerprint))
    let made = try await session.exec(
        command: "head -c \(mebibytes << 20) /dev/urandom > " + ShellQuoting.quote(remote))
    guard made.succeeded else { throw BenchmarkFailure(description: "cannot create the file: \(made.stderrText)") }

    let clock = ContinuousClock()
    let sftpTime = try await clock.measure {
        _ = try await session.download(remote: remote, to: scratch + "/sftp.img")
    }
    await session.close()
    let scpTime = try clock.measure {
        try run([
            "/usr/bin/scp", "-q", "-i", key, "-P", port, "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "root@\(address):\(remote)",
            scratch + "/scp.img",
        ])
    }
    let sftpRate = Double(mebibytes) / seconds(sftpTime)
    let scpRate = Double(mebibytes) / seconds(scpTime)
    print("file:          \(mebibytes) MiB over \(address):\(port)")
    print(String(format: "SSH.download:  %.1f MiB/s (%.2f s)", sftpRate, seconds(sftpTime)))
    print(String(format: "scp:           %.1f MiB/s (%.2f s)", scpRate, seconds(scpTime)))
    print(String(format: "ratio SSH/scp: %.2f", sftpRate / scpRate))
}

let output = try run([testHost, "start", "ssh-benchmark", "127.0.0.90", "2390"])
let info = Dictionary(
    uniqueKeysWithValues: output.split(separator: "\n").compactMap { line -> (String, String)? in
        guard let equals = line.firstIndex(of: "=") else { return nil }
        return (String(line[..<equals]), String(line[line.index(after: equals)...]))
    })
do {
    try await benchmark(info: info)
    try run([testHost, "stop", "ssh-benchmark"])
} catch {
    _ = try? run([testHost, "stop", "ssh-benchmark"])
    print("benchmark failed: \(error)")
    exit(1)
}
