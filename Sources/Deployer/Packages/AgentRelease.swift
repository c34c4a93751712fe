import AgentWire

/// A file that belongs to what a host receives: its name in the host's file set, where it is here, its MD5.
public struct PackageFile: Sendable, Hashable, Codable {
    /// `package/<tarball>`, `playbook/<path>` or `extension/<kind>/<file>`.
    public let name: String
    public let path: String
    public let md5: String
}

/// Everything one kind of host receives: the newest valid tarball of its agent, the playbook files, and
/// the user's extensions. A host whose recorded file set differs from `files` is redeployed.
public struct AgentRelease: Sendable {
    public let kind: AgentKind
    public let version: String
    public let tarball: PackageFile
    /// The tarball's MD5SUMS: path inside the release directory → MD5.
    public let manifest: [String: String]
    public let playbookFiles: [PackageFile]
    public let extensionFiles: [PackageFile]

    public var releaseName: String { "\(kind.agentName)-\(version)" }
    public var tarballName: String { releaseName + ".tar.gz" }

    public var files: [String: String] {
        var files = [tarball.name: tarball.md5]
        for file in playbookFiles + extensionFiles { files[file.name] = file.md5 }
        return files
    }

    /// The files on the host whose MD5 proves it runs this release, for one `md5sum` over SSH:
    /// the tarball copy (what ZStack's SshFileMd5Checker compares), the unpacked binary and the init script.
    func remoteFiles(on host: HostRecord) -> [(path: String, md5: String)] {
        let home = host.variable("zstack_root", default: "/var/lib/zstack") + "/" + kind.agentName
        let initd = host.variable("initd_dir", default: "/etc/init.d")
        var files = [(path: "\(home)/package/\(tarballName)", md5: tarball.md5)]
        if let binary = manifest["bin/\(kind.executable)"] {
            files.append((path: "\(home)/current/bin/\(kind.executable)", md5: binary))
        }
        if let script = manifest["init.d/\(kind.executable)"] {
            files.append((path: "\(initd)/\(kind.executable)", md5: script))
        }
        return files
    }

    /// How an agent's manifest differs from this release, or nil when it proves the host runs it: the
    /// agent and version, the executable that runs, the release's init script and the tarball it came
    /// from, with the executable's path still holding what runs.
    func difference(from manifest: AgentManifest) -> String? {
        var differences: [String] = []
        if manifest.agent != kind.agentName || manifest.version != version {
            differences.append("runs \(manifest.agent) \(manifest.version), not \(releaseName)")
        }
        if manifest.executableMD5 != self.manifest["bin/\(kind.executable)"] { differences.append("executable") }
        if manifest.initScriptMD5 != self.manifest["init.d/\(kind.executable)"] { differences.append("init script") }
        if manifest.tarballMD5 != tarball.md5 { differences.append("tarball") }
        if manifest.executableReplaced { differences.append("executable replaced on disk since the agent started") }
        return differences.isEmpty ? nil : differences.joined(separator: ", ")
    }

    /// What a failed deployment removes so the next pass redeploys: the tarball copy only. The release that
    /// runs now stays in place, so the previous version keeps running.
    func remoteTarball(on host: HostRecord) -> String {
        host.variable("zstack_root", default: "/var/lib/zstack") + "/\(kind.agentName)/package/\(tarballName)"
    }
}
