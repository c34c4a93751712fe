// What every `make bench` program shares: running a program, timing, and printing its BENCHMARKS.md
// section (markdown on stdout; progress goes to stderr so that Benchmarks/run keeps only the section).
import Foundation

public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Progress for the person watching the run: stderr, so it stays out of the section.
public func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Runs argv (looked up in PATH), waits, and returns stdout; a non-zero exit throws with the output's tail.
@discardableResult
public func run(_ argv: [String], environment: [String: String] = [:], quiet: Bool = false) throws -> String {
    let process = Process()
    process.executableURL = URL(filePath: "/usr/bin/env")
    process.arguments = argv
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = quiet ? FileHandle.nullDevice : errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = quiet ? Data() : errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchmarkFailure("\(argv.joined(separator: " ")) failed: \(String(decoding: data + errorData, as: UTF8.self).suffix(2000))")
    }
    return String(decoding: data, as: UTF8.self)
}

public extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1e3 }
}

/// Runs argv with its output in `log`, without holding a thread while it runs (many run side by side).
/// (With no log, output is dropped: never `createFile` on /dev/null, which would replace the device.)
public func runAsync(_ argv: [String], environment: [String: String] = [:], log: String? = nil) async throws {
    let process = Process()
    process.executableURL = URL(filePath: "/usr/bin/env")
    process.arguments = argv
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let log {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(filePath: log))
    } else {
        process.standardOutput = FileHandle.nullDevice
    }
    process.standardError = process.standardOutput
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    guard status == 0 else {
        let tail = log.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.suffix(1500) ?? ""
        throw BenchmarkFailure("\(argv.prefix(3).joined(separator: " ")) exited \(status): \(tail)")
    }
}

/// CPU seconds the whole machine spent (every CPU, user + system), from /proc/stat: a fleet's hosts run
/// here too, so this is a deploy's whole cost, plus whatever else runs on the machine meanwhile.
public func machineCPUSeconds() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
          let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
    let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    let busy = fields.enumerated().filter { $0.offset < 8 && $0.offset != 3 && $0.offset != 4 }.reduce(0) { $0 + $1.element }
    return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds (user + system) of a process, from /proc/<pid>/stat.
public func cpuSeconds(_ pid: String = "self") -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command: state is field 3, utime and stime fields 14 and 15.
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Wall and machine CPU seconds of `body`.
public func measured(_ body: () async throws -> Void) async rethrows -> (wall: Double, cpu: Double) {
    let cpu = machineCPUSeconds()
    let wall = try await wallSeconds(body)
    return (wall, machineCPUSeconds() - cpu)
}

/// Wall seconds of `body`.
public func wallSeconds(_ body: () async throws -> Void) async rethrows -> Double {
    try await timed(body).seconds
}

/// Wall time of `body`.
public func timed(_ body: () async throws -> Void) async rethrows -> Duration {
    let start = ContinuousClock.now
    try await body()
    return ContinuousClock.now - start
}

/// Median wall time of `rounds` runs of `body`, after one warm-up run.
public func median(_ rounds: Int, _ body: () async throws -> Void) async throws -> Duration {
    try await body()
    var times: [Duration] = []
    for _ in 0..<rounds { times.append(try await timed(body)) }
    return times.sorted()[times.count / 2]
}

/// An integer from the environment (the benches' size knobs), or `fallback`.
public func environmentInteger(_ name: String, default fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
}

/// The repository's root, from the calling source file's place in Benchmarks/<Name>/.
public func repositoryRoot(_ file: String = #filePath) -> String {
    URL(filePath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

/// A markdown table for a section.
public struct MarkdownTable {
    private var lines: [String]

    public init(_ header: String...) {
        lines = ["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: "---|", count: header.count)]
    }

    public mutating func row(_ cells: String...) {
        lines.append("| " + cells.joined(separator: " | ") + " |")
    }

    public var text: String { lines.joined(separator: "\n") }
}

/// `value` with `digits` decimals.
public func fixed(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}
