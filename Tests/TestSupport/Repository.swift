import Foundation

/// Paths of this repository and of the agent binaries the tests package.
public enum Repository {
    /// The checkout this file belongs to (Tests/TestSupport/ is two levels down).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where the agent executables are: `ZSTACK_AGENT_BIN_DIR`, else the directory of this test
    /// binary, which is where SwiftPM puts the executables of the same build.
    public static var binaryDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["ZSTACK_AGENT_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }

    /// A fresh directory under /tmp, for one test.
    public static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = URL(fileURLWithPath: "/tmp/zstack-packaging-tests/\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
