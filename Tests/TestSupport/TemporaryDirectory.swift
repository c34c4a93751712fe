import Foundation

/// A fresh private (0700) directory under /tmp for one test, made with mkdtemp so parallel tests and
/// processes never share one. `remove()` deletes it; `with` removes it whatever the body does.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public var url: URL { URL(fileURLWithPath: path) }

    /// Makes `/tmp/<label>-XXXXXX`.
    public init(_ label: String = "zstack-tests") throws {
        var template = Array("/tmp/\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else {
            throw ProgramError(description: "cannot create /tmp/\(label)-XXXXXX: errno \(errno)")
        }
        path = String(cString: made)
    }

    /// A path inside the directory.
    public func appending(_ relative: String) -> String { path + "/" + relative }

    /// Deletes the directory and everything in it; never throws, so it can run in `defer`.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `body` with the path of a fresh directory and removes it afterwards, also when `body` throws.
    public static func with<T>(_ label: String = "zstack-tests", _ body: (String) async throws -> T) async throws -> T {
        let directory = try TemporaryDirectory(label)
        defer { directory.remove() }
        return try await body(directory.path)
    }
}
