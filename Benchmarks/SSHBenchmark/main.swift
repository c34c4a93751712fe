// SFTP download throughput of the SSH module against OpenSSH's `scp`, same file, same loopback sshd.
//
//   SSHBenchmark [MiB]     (step `sftp` of `make bench`, 256 MiB there; needs root, like scripts/test-host)
//
// Prints its BENCHMARKS.md section: both throughputs and the ratio. OpenSSH 9's scp itself speaks SFTP, so
// this compares the two clients (libssh + the module's pipelined SFTP vs OpenSSH), not the protocols.
import BenchSupport
import Foundation
import SSH

let mebibytes = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 512
let testHost = repositoryRoot() + "/scripts/test-host"

/// Measures both clients on a test host that the caller starts and stops.
func benchmark(info: [String: String]) async throws {
    guard let address = info["ADDRESS"], let port = info["PORT"], let key = info["KEY"], let dir = info["DIR"],
        let fingerprint = info["HOST_KEY_FINGERPRINT"]
    else { throw BenchmarkFailure("test-host printed incomplete info: \(info)") }

    let remote = dir + "/root/benchmark.img"
    let scratch = NSTemporaryDirectory() + "ssh-benchmark-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }

    let session = try await SSHClient().connect(
        host: address, port: Int(port) ?? 0, credential: .privateKey(user: "root", key: .file(path: key)),
        hostKey: .pinned(fingerprint: fingerprint))
    let made = try await session.exec(
        command: "head -c \(mebibytes << 20) /dev/urandom > " + ShellQuoting.quote(remote))
    guard made.succeeded else { throw BenchmarkFailure("cannot create the file: \(made.stderrText)") }

    let clock = ContinuousClock()
    let sftpTime = try await clock.measure {
        _ = try await session.download(remote: remote, to: scratch + "/sftp.img")
    }
    await session.close()
    let scpTime = try clock.measure {
        try run([
            "scp", "-q", "-i", key, "-P", port, "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "root@\(address):\(remote)",
            scratch + "/scp.img",
        ])
    }
    let sftpRate = Double(mebibytes) / sftpTime.seconds
    let scpRate = Double(mebibytes) / scpTime.seconds
    var table = MarkdownTable("client", "MiB/s", "seconds")
    table.row("SSH module (`SSHSession.download`, libssh, pipelined SFTP)", fixed(sftpRate), fixed(sftpTime.seconds, 2))
    table.row("OpenSSH `scp`", fixed(scpRate), fixed(scpTime.seconds, 2))
    table.row("ratio module / scp", fixed(sftpRate / scpRate, 2), "")
    print("""
    ## SFTP download: the SSH module against `scp`

    Step `sftp` (`SSHBenchmark`): \(mebibytes) MiB of random data downloaded from a loopback test host
    (`scripts/test-host`, \(address):\(port), OpenSSH sshd) with the module and with `/usr/bin/scp` to the same disk.
    OpenSSH 9's `scp` itself speaks SFTP, so this compares the two clients over the same protocol and cipher.

    \(table.text)
    """)
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
    progress("benchmark failed: \(error)")
    exit(1)
}
