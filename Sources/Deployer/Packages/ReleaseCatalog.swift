import Foundation
import HostSystem

/// Where releases come from: the tarballs (`<agent>-<version>.tar.gz`, from `make package`), the
/// playbooks, and the user's extensions (`<dir>/<kind>/*.yaml`, optional).
public struct ReleaseSources: Sendable, Equatable {
    public var packageDirectory: String
    public var playbookDirectory: String
    public var extensionsDirectory: String?

    public init(packageDirectory: String, playbookDirectory: String, extensionsDirectory: String? = nil) {
        self.packageDirectory = packageDirectory
        self.playbookDirectory = playbookDirectory
        self.extensionsDirectory = extensionsDirectory
    }
}

/// The validated releases of every agent kind that has a package, staged in a directory of their own.
///
/// Ansible reads the staged copy, never the package directory: a package directory that changes or
/// disappears during a run cannot leave hosts half-deployed, and what is recorded as deployed is what was
/// checked.
public struct ReleaseCatalog: Sendable {
    public let releases: [AgentKind: AgentRelease]
    /// MD5 over every file of every release: equal fingerprints, equal staged content.
    public let fingerprint: String
    public let stagedDirectory: String

    public var packageDirectory: String { stagedDirectory + "/packages" }
    public var playbookDirectory: String { stagedDirectory + "/playbooks" }
    public var extensionsDirectory: String { stagedDirectory + "/extensions" }

    public var summary: String {
        releases.values.map(\.releaseName).sorted().joined(separator: ", ")
    }
}

/// Validates sources into a `ReleaseCatalog`: tarball against its `.md5`, every file of the tarball against
/// its MD5SUMS, playbooks and extensions through `ansible-playbook --syntax-check`.
struct ReleaseLoader: Sendable {
    var sources: ReleaseSources
    /// Staged releases live under here, one directory per fingerprint.
    var stagingRoot: String
    var ansiblePlaybook: String = "ansible-playbook"
    var runner = ProcessRunner(defaultTimeout: .seconds(300))

    func load() async throws -> ReleaseCatalog {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: sources.packageDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DeployerError(.badPackages, "package directory \(sources.packageDirectory) does not exist")
        }
        guard fm.fileExists(atPath: sources.playbookDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DeployerError(.badPackages, "playbook directory \(sources.playbookDirectory) does not exist")
        }
        let names = try fm.contentsOfDirectory(atPath: sources.packageDirectory)
        let playbookFiles = try Self.files(under: sources.playbookDirectory)
        guard playbookFiles.contains(AnsibleOutput.callbackPlugin) else {
            throw DeployerError(.badPackages, "\(sources.playbookDirectory) has no \(AnsibleOutput.callbackPlugin): the "
                + "deployer reads ansible's results through it")
        }
        var releases: [AgentKind: AgentRelease] = [:]
        for kind in AgentKind.allCases {
            guard let (tarballName, version) = Self.newestTarball(of: kind, among: names) else { continue }
            let tarballPath = sources.packageDirectory + "/" + tarballName
            let tarball = PackageFile(name: "package/\(tarballName)", path: tarballPath, md5: try await Self.md5(tarballPath))
            try Self.checkSidecar(of: tarball)
            guard playbookFiles.contains(kind.playbook) else {
                throw DeployerError(.badPackages, "\(sources.playbookDirectory) has no \(kind.playbook) for \(tarballName)")
            }
            // Other kinds' top-level playbooks are not this kind's business; shared tasks and templates are.
            let own = playbookFiles.filter { $0 == kind.playbook || $0.contains("/") }
            var playbooks: [PackageFile] = []
            for name in own { playbooks.append(try await Self.file("playbook/\(name)", sources.playbookDirectory + "/" + name)) }
            releases[kind] = AgentRelease(
                kind: kind, version: version, tarball: tarball, manifest: [:],
                playbookFiles: playbooks, extensionFiles: try await extensionFiles(of: kind))
        }
        guard !releases.isEmpty else {
            throw DeployerError(.badPackages, "no agent package (<agent>-<version>.tar.gz) in \(sources.packageDirectory)")
        }
        let lines = releases.values.flatMap { $0.files.map { "\($0.key) \($0.value)" } }.sorted()
        let fingerprint = FileDigest.md5(of: Array(lines.joined(separator: "\n").utf8))
        let staged = stagingRoot + "/" + fingerprint
        if !fm.fileExists(atPath: staged + "/VALID") {
            try await stage(releases, into: staged)
        }
        // The manifests were checked while staging; read them back from the staged, unpacked copies. From now
        // on the tarball is the staged copy, the file that was measured: what the push sends and ansible
        // reads, even if the package directory changes or vanishes meanwhile.
        for (kind, release) in releases {
            let manifest = try String(contentsOfFile: "\(staged)/unpacked/\(release.releaseName)/MD5SUMS", encoding: .utf8)
            let tarball = PackageFile(name: release.tarball.name, path: "\(staged)/packages/\(release.tarballName)",
                                      md5: release.tarball.md5)
            releases[kind] = AgentRelease(
                kind: kind, version: release.version, tarball: tarball, manifest: FileMD5.parse(manifest),
                playbookFiles: release.playbookFiles, extensionFiles: release.extensionFiles)
        }
        return ReleaseCatalog(releases: releases, fingerprint: fingerprint, stagedDirectory: staged)
    }

    /// Copies, unpacks and checks everything into a temporary directory, then renames it into place.
    private func stage(_ releases: [AgentKind: AgentRelease], into staged: String) async throws {
        let fm = FileManager.default
        let temporary = "\(staged).partial-\(getpid())"
        try? fm.removeItem(atPath: temporary)
        try fm.createDirectory(atPath: temporary + "/packages", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: temporary + "/unpacked", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: temporary) }
        for release in releases.values {
            let copy = "\(temporary)/packages/\(release.tarballName)"
            try fm.copyItem(atPath: release.tarball.path, toPath: copy)
            // The copy is what ansible will send: it must be the file that was measured.
            guard try await Self.md5(copy) == release.tarball.md5 else {
                throw DeployerError(.badPackages, "\(release.tarballName) changed while it was being read; try again")
            }
            try await verifyManifest(release, copy: copy, unpackInto: temporary + "/unpacked")
            for file in release.playbookFiles + release.extensionFiles {
                let relative = file.name.hasPrefix("playbook/")
                    ? "playbooks/" + file.name.dropFirst("playbook/".count)
                    : "extensions/" + file.name.dropFirst("extension/".count)
                let destination = "\(temporary)/\(relative)"
                guard !fm.fileExists(atPath: destination) else { continue }
                try fm.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                       withIntermediateDirectories: true)
                try fm.copyItem(atPath: file.path, toPath: destination)
            }
        }
        try fm.createDirectory(atPath: temporary + "/extensions", withIntermediateDirectories: true)
        for kind in releases.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            try await syntaxCheck(kind, release: releases[kind]!, in: temporary)
        }
        try "ok\n".write(toFile: temporary + "/VALID", atomically: true, encoding: .utf8)
        try? fm.removeItem(atPath: staged)
        try fm.moveItem(atPath: temporary, toPath: staged)
    }

    private func verifyManifest(_ release: AgentRelease, copy: String, unpackInto directory: String) async throws {
        do {
            try await runner.run("tar", ["-xzf", copy, "-C", directory, "--no-same-owner", "--", release.releaseName])
        } catch {
            throw DeployerError(.badPackages, "\(release.tarballName) cannot be unpacked as \(release.releaseName)/: \(error)")
        }
        let root = "\(directory)/\(release.releaseName)"
        guard let text = try? String(contentsOfFile: root + "/MD5SUMS", encoding: .utf8) else {
            throw DeployerError(.badPackages, "\(release.tarballName) has no MD5SUMS manifest")
        }
        let manifest = FileMD5.parse(text)
        for required in ["bin/\(release.kind.executable)", "init.d/\(release.kind.executable)"] where manifest[required] == nil {
            throw DeployerError(.badPackages, "\(release.tarballName): MD5SUMS does not list \(required)")
        }
        for (path, expected) in manifest.sorted(by: { $0.key < $1.key }) {
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw DeployerError(.badPackages, "\(release.tarballName): MD5SUMS names a path outside the release: \(path)")
            }
            let actual = (try? await FileDigest.md5(ofFileAt: root + "/" + path)) ?? "missing"
            guard actual == expected else {
                throw DeployerError(.badPackages,
                                    "\(release.tarballName): \(path) does not match its MD5SUMS entry (manifest \(expected), file \(actual))")
            }
        }
    }

    /// `--syntax-check` parses statically imported files only, so the extensions are checked through a
    /// generated playbook that imports each of them.
    private func syntaxCheck(_ kind: AgentKind, release: AgentRelease, in staged: String) async throws {
        let playbooks = staged + "/playbooks"
        var targets = [(label: "\(kind.playbook)", path: "\(playbooks)/\(kind.playbook)")]
        for file in release.extensionFiles {
            let path = "\(staged)/extensions/\(file.name.dropFirst("extension/".count))"
            let wrapper = "\(staged)/check-\(kind.rawValue)-\((path as NSString).lastPathComponent).yaml"
            let text = "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.import_tasks: \(Self.yamlQuoted(path))\n"
            try text.write(toFile: wrapper, atomically: true, encoding: .utf8)
            targets.append((label: "extension \(kind.rawValue)/\((path as NSString).lastPathComponent)", path: wrapper))
        }
        for target in targets {
            let exit: ProcessExit
            do {
                exit = try await runner.execute(ansiblePlaybook, ["--syntax-check", "-i", "localhost,", target.path],
                                                environment: ["ANSIBLE_NOCOLOR": "1"])
            } catch {
                throw DeployerError(.environment, "cannot run \(ansiblePlaybook): \(error)")
            }
            guard exit.exitStatus == 0 else {
                let text = (String(decoding: exit.output.standardError, as: UTF8.self) + exit.output.text)
                    .split(separator: "\n").filter { !$0.isEmpty }.prefix(12).joined(separator: "\n")
                throw DeployerError(.badPackages, "\(target.label) fails ansible-playbook --syntax-check:\n\(text)")
            }
        }
    }

    private func extensionFiles(of kind: AgentKind) async throws -> [PackageFile] {
        guard let base = sources.extensionsDirectory else { return [] }
        let directory = base + "/" + kind.rawValue
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var files: [PackageFile] = []
        for name in names.filter({ $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }).sorted() {
            files.append(try await Self.file("extension/\(kind.rawValue)/\(name)", directory + "/" + name))
        }
        return files
    }

    private static func file(_ name: String, _ path: String) async throws -> PackageFile {
        PackageFile(name: name, path: path, md5: try await md5(path))
    }

    /// A package file's MD5; one that cannot be read makes the packages bad.
    private static func md5(_ path: String) async throws -> String {
        do {
            return try await FileDigest.md5(ofFileAt: path)
        } catch let error as FileSystemError {
            throw DeployerError(.badPackages, error.description)
        }
    }

    /// Regular files under `directory`, as sorted relative paths.
    static func files(under directory: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw DeployerError(.badPackages, "cannot list \(directory)")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// The newest `<agent>-<version>.tar.gz` of a kind, by version (numeric parts compared as numbers).
    static func newestTarball(of kind: AgentKind, among names: [String]) -> (String, String)? {
        let prefix = kind.agentName + "-", suffix = ".tar.gz"
        let candidates: [(String, String)] = names.compactMap { name in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
            let version = String(name.dropFirst(prefix.count).dropLast(suffix.count))
            guard let first = version.first, first.isNumber else { return nil }
            return (name, version)
        }
        return candidates.max { versionPrecedes($0.1, $1.1) }
    }

    static func versionPrecedes(_ a: String, _ b: String) -> Bool {
        let split: (String) -> [Substring] = { $0.split(whereSeparator: { !$0.isLetter && !$0.isNumber }) }
        for (x, y) in zip(split(a), split(b)) where x != y {
            if let i = Int(x), let j = Int(y) { return i < j }
            return x < y
        }
        return split(a).count < split(b).count
    }

    private static func checkSidecar(of tarball: PackageFile) throws {
        guard let text = try? String(contentsOfFile: tarball.path + ".md5", encoding: .utf8) else { return }
        let expected = String(text.prefix(32)).lowercased()
        guard expected == tarball.md5 else {
            throw DeployerError(.badPackages,
                                "\((tarball.path as NSString).lastPathComponent) does not match its .md5 file (file \(tarball.md5), .md5 says \(expected))")
        }
    }

    private static func yamlQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
