@testable import Deployer
import TestSupport
import Foundation
import Testing

/// Packages are checked before any host is touched: a tarball that does not match its MD5SUMS or its
/// .md5 file, a missing package directory, and a broken extension are refused with the reason.
struct ReleaseValidationTests {
    @Test func acceptsAReleaseAndPicksTheNewestVersion() async throws {
        let directory = try Repository.temporaryDirectory("release-ok")
        defer { try? FileManager.default.removeItem(at: directory) }
        let packages = try await Self.packageDirectory(in: directory, versions: ["1.0.0", "2.0.0"])
        let catalog = try await Self.loader(packages, in: directory).load()
        let release = try #require(catalog.releases[.kvm])
        #expect(release.version == "2.0.0")
        #expect(release.manifest["bin/zstack-kvmagent"] != nil)
        #expect(release.files.keys.contains("playbook/kvm.yaml"))
        #expect(release.files.keys.contains("playbook/tasks/agent.yaml"))
        #expect(release.files.keys.contains("playbook/callback_plugins/zstack_json.py"), "what reads results is part of a release")
        #expect(!release.files.keys.contains("playbook/sftpbackupstorage.yaml"), "other kinds' playbooks are not in the set")
        #expect(FileManager.default.fileExists(atPath: catalog.packageDirectory + "/kvmagent-2.0.0.tar.gz"))
    }

    @Test func refusesATarballWhoseManifestDoesNotMatch() async throws {
        let directory = try Repository.temporaryDirectory("release-manifest")
        defer { try? FileManager.default.removeItem(at: directory) }
        let packages = try await Self.packageDirectory(in: directory, versions: ["1.0.0"])
        // Repack 1.0.0 as 9.0.0 with a changed binary but the original MD5SUMS.
        let work = directory.appendingPathComponent("repack")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try await Program.check(["tar", "-xzf", packages.appendingPathComponent("kvmagent-1.0.0.tar.gz").path, "-C", work.path])
        try FileManager.default.moveItem(at: work.appendingPathComponent("kvmagent-1.0.0"), to: work.appendingPathComponent("kvmagent-9.0.0"))
        try Data("#!/bin/sh\necho trojan\n".utf8).write(to: work.appendingPathComponent("kvmagent-9.0.0/bin/zstack-kvmagent"))
        try await Program.check(["tar", "-czf", packages.appendingPathComponent("kvmagent-9.0.0.tar.gz").path, "-C", work.path, "kvmagent-9.0.0"])
        await #expect {
            _ = try await Self.loader(packages, in: directory).load()
        } throws: { error in
            let message = (error as? DeployerError)?.message ?? ""
            return (error as? DeployerError)?.kind == .badPackages
                && message.contains("kvmagent-9.0.0.tar.gz: bin/zstack-kvmagent does not match its MD5SUMS entry")
        }
    }

    @Test func refusesATarballThatDoesNotMatchItsMD5File() async throws {
        let directory = try Repository.temporaryDirectory("release-sidecar")
        defer { try? FileManager.default.removeItem(at: directory) }
        let packages = try await Self.packageDirectory(in: directory, versions: ["1.0.0"])
        let sidecar = packages.appendingPathComponent("kvmagent-1.0.0.tar.gz.md5")
        try FileManager.default.removeItem(at: sidecar)
        try Data("0123456789abcdef0123456789abcdef  kvmagent-1.0.0.tar.gz\n".utf8).write(to: sidecar)
        await #expect {
            _ = try await Self.loader(packages, in: directory).load()
        } throws: { error in
            (error as? DeployerError)?.message.contains("does not match its .md5 file") == true
        }
    }

    @Test func refusesAMissingPackageDirectoryAndABrokenExtension() async throws {
        let directory = try Repository.temporaryDirectory("release-broken")
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect {
            _ = try await Self.loader(directory.appendingPathComponent("nowhere"), in: directory).load()
        } throws: { error in
            (error as? DeployerError)?.message.contains("does not exist") == true
        }
        let packages = try await Self.packageDirectory(in: directory, versions: ["1.0.0"])
        let extensions = directory.appendingPathComponent("extensions/kvm")
        try FileManager.default.createDirectory(at: extensions, withIntermediateDirectories: true)
        try Data("- name: broken\n  no_such_module_anywhere: {}\n".utf8).write(to: extensions.appendingPathComponent("broken.yaml"))
        var loader = Self.loader(packages, in: directory)
        loader.sources.extensionsDirectory = extensions.deletingLastPathComponent().path
        await #expect {
            _ = try await loader.load()
        } throws: { error in
            let message = (error as? DeployerError)?.message ?? ""
            return message.contains("extension kvm/broken.yaml fails ansible-playbook --syntax-check")
                && message.contains("no_such_module_anywhere")
        }
    }

    /// Ansible's results are read through the playbooks' callback plugin: playbooks without it are refused
    /// before any host is touched, not after every host's ansible run reported nothing.
    @Test func refusesPlaybooksWithoutTheResultCallback() async throws {
        let directory = try Repository.temporaryDirectory("release-callback")
        defer { try? FileManager.default.removeItem(at: directory) }
        let packages = try await Self.packageDirectory(in: directory, versions: ["1.0.0"])
        let playbooks = directory.appendingPathComponent("playbooks")
        try FileManager.default.copyItem(at: Repository.root.appendingPathComponent("Playbooks"), to: playbooks)
        try FileManager.default.removeItem(at: playbooks.appendingPathComponent("callback_plugins"))
        var loader = Self.loader(packages, in: directory)
        loader.sources.playbookDirectory = playbooks.path
        await #expect {
            _ = try await loader.load()
        } throws: { error in
            (error as? DeployerError)?.kind == .badPackages
                && (error as? DeployerError)?.message.contains("has no callback_plugins/zstack_json.py") == true
        }
    }

    @Test func comparesVersionsByTheirNumbers() {
        #expect(ReleaseLoader.versionPrecedes("1.9.0", "1.10.0"))
        #expect(!ReleaseLoader.versionPrecedes("2.0.0", "1.10.0"))
        #expect(ReleaseLoader.versionPrecedes("5.2.0", "5.2.0.1"))
        let names = ["kvmagent-1.9.0.tar.gz", "kvmagent-1.10.0.tar.gz", "kvmagent-x.tar.gz", "sftpbackupstorage-9.0.0.tar.gz"]
        #expect(ReleaseLoader.newestTarball(of: .kvm, among: names)?.1 == "1.10.0")
    }

    static func loader(_ packages: URL, in directory: URL) -> ReleaseLoader {
        ReleaseLoader(
            sources: ReleaseSources(packageDirectory: packages.path,
                                    playbookDirectory: Repository.root.appendingPathComponent("Playbooks").path),
            stagingRoot: directory.appendingPathComponent("staging").path)
    }

    /// A package directory holding the shared KVM tarballs of `versions` (hard links).
    static func packageDirectory(in directory: URL, versions: [String]) async throws -> URL {
        let packages = directory.appendingPathComponent("packages")
        try FileManager.default.createDirectory(at: packages, withIntermediateDirectories: true)
        for version in versions {
            let tarball = try await AgentTarball.shared(try AgentSpec.named("kvmagent"), version: version)
            for name in [tarball.fileName, tarball.fileName + ".md5"] {
                try FileManager.default.linkItem(at: tarball.directory.appendingPathComponent(name),
                                                 to: packages.appendingPathComponent(name))
            }
        }
        return packages
    }
}
