import Foundation

/// A tarball made by Packaging/package.sh from the binaries of this build, and where it is.
public struct AgentTarball: Sendable {
    public var spec: AgentSpec
    public var version: String
    public var directory: URL

    public var fileName: String { "\(spec.name)-\(version).tar.gz" }
    public var url: URL { directory.appendingPathComponent(fileName) }
    public var releaseName: String { "\(spec.name)-\(version)" }

    /// Runs package.sh without building (the test build already has the binaries) and stamps `version`.
    /// package.sh packages every existing agent, so every one of them must be built.
    public static func make(_ spec: AgentSpec, version: String, in directory: URL) async throws -> AgentTarball {
        for agent in AgentSpec.existing() { _ = try agent.builtBinary() }
        _ = try spec.builtBinary()
        try await Program.check(
            [Repository.root.appendingPathComponent("Packaging/package.sh").path],
            environment: [
                "VERSION": version,
                "DIST_DIR": directory.path,
                "PACKAGE_NO_BUILD": "1",
                "BIN_DIR": Repository.binaryDirectory.path,
            ])
        return AgentTarball(spec: spec, version: version, directory: directory)
    }

    /// The tarballs of one version, made once per test run: stripping and compressing a debug build
    /// takes seconds, and tests that only install a tarball need not pay that each time. Tests that
    /// check package.sh itself call `make`.
    public static func shared(_ spec: AgentSpec, version: String) async throws -> AgentTarball {
        let directory = try await sharedDirectories.run {
            if let directory = await sharedDirectory.directory(for: version) { return directory }
            // A fixed place, replaced on each run, so that runs do not pile up tarballs in /tmp.
            let directory = URL(fileURLWithPath: "/tmp/zstack-packaging-tests/dist-\(version)")
            try? FileManager.default.removeItem(at: directory)
            _ = try await make(spec, version: version, in: directory)
            await sharedDirectory.set(directory, for: version)
            return directory
        }
        return AgentTarball(spec: spec, version: version, directory: directory)
    }

    /// One package.sh run at a time makes the shared tarballs; later callers find them made.
    private static let sharedDirectories = SerialQueue()
    private static let sharedDirectory = MadeDirectories()

    private actor MadeDirectories {
        private var byVersion: [String: URL] = [:]
        func directory(for version: String) -> URL? { byVersion[version] }
        func set(_ directory: URL, for version: String) { byVersion[version] = directory }
    }

    /// Unpacks into `destination` and returns the release directory (`<agent>-<version>/`).
    public func unpack(into destination: URL) async throws -> URL {
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        try await Program.check(["tar", "-xzf", url.path, "-C", destination.path])
        return destination.appendingPathComponent(releaseName)
    }

    /// The MD5 of a file, as md5sum prints it.
    public static func md5(of url: URL) async throws -> String {
        try await Program.md5(of: url.path)
    }
}
