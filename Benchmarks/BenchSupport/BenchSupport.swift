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
