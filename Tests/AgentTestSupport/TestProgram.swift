import Foundation

/// A program a test runs to set up or inspect the world (test hosts, qemu-img, md5sum), from argv.
public enum TestProgram {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs argv (looked up on PATH) and returns its standard output; throws when it exits non-zero.
    @discardableResult
    public static func run(_ argv: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(argv.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
